"""What a deployment of a retired or retiring model answers, judged by the catalog's dates.

Azure answers every inference request of a retired model with ``410 Gone`` (LIFE, §1.1 of
azure-openai-2026.md); its body is undocumented, so the emulator's is a choice: the gateway's two-key form, code
``"410"``, with a message naming the model, its retirement date and the replacement. With ``lifecycle.retired:
serve`` (the default, so the seed's notebooks keep running) the deployment answers as before and says in the
``x-aoai-nb-lifecycle`` header what Azure would do.
"""

from __future__ import annotations

from aoai_nb.emulator.config import Deployment, EmulatorConfig
from aoai_nb.emulator.wire import AzureError, simple_error

LIFECYCLE_HEADER = "x-aoai-nb-lifecycle"


def retired_error(deployment: Deployment) -> AzureError:
    info = deployment.info
    instead = f" Deploy its replacement, {info.replacement}, instead." if info.replacement else ""
    return simple_error(
        410,
        "410",
        f"The model '{info.name}' (version {info.version}) of deployment '{deployment.name}' was retired on "
        f"{info.retirement} and no longer serves requests.{instead}",
    )


def lifecycle_headers(config: EmulatorConfig, deployment: Deployment) -> dict[str, str]:
    """Headers for a retiring or (served) retired model's answer; raises the 410 when retired models are gone."""
    info = deployment.info
    status = info.status_on(config.today())
    if status == "fine":
        return {}
    if status == "retired" and config.retired_models == "gone":
        raise retired_error(deployment)
    instead = f"; replacement {info.replacement}" if info.replacement else ""
    if status == "retired":
        note = (
            f"retired on {info.retirement}{instead}; Azure answers 410 Gone (the emulator serves it anyway)"
        )
    else:
        note = f"retiring on {info.retirement}{instead}"
    return {LIFECYCLE_HEADER: f"{info.name} {info.version}: {note}"}
