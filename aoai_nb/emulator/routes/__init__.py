"""The emulator's route handlers, one module per family: text (chat, completions), embeddings, media (images,
audio) and meta (models, status, controls)."""
