"""Chat from a notebook: a conversation that keeps its history, the ``%%chat`` cell magic and a chat widget.

The public names (``chat_widget``, ``%load_ext aoai_nb``) are on ``aoai_nb``; the modules here are private.
"""
