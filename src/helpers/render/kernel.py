"""Report notebooks executed in a kernel the process keeps: started once, so its imports are paid once, and reset before
each report (namespace cleared; a notebook's `charts.enable()` starts a new page), so a report reads as from a fresh
kernel."""

from __future__ import annotations

import atexit
import os
from pathlib import Path
from typing import TYPE_CHECKING

from helpers import paths

if TYPE_CHECKING:
    import nbformat

KERNEL_NAME = "python3"
# what a used kernel runs before the next report: `%reset -f` drops the last report's names and outputs; what lives on
# (modules, caches) is then frozen, out of the full garbage collection each reset makes (a third of a second otherwise)
# before each later report: an empty namespace, and the table ids of a new page (a page is the same whatever came before)
RESET = (
    "get_ipython().run_line_magic('reset', '-f')\n"
    "__import__('sys').modules.get('helpers.render.tables') and __import__('helpers.render.tables').render.tables.new_page()\n"
    "__import__('gc').freeze()"
)
# a report kernel keeps no input history (IPython writes it to an SQLite file in the home folder)
KERNEL_ARGUMENTS = ["--HistoryManager.enabled=False"]

_kernel = None  # this process's kernel manager and its client, started at the first report
_client = None
_settings: dict[str, str] = {}  # the HELPERS_* variables the kernel was started with (where its notebooks read data)


class NotebookFailed(Exception):
    """A cell raised: its exception's name and value and the cell's index (counting the injected parameters cell)."""

    def __init__(self, ename: str, evalue: str, cell_index: int) -> None:
        super().__init__(f"{ename}: {evalue}")
        self.ename, self.evalue, self.cell_index = ename, evalue, cell_index


def kernel_manager_class() -> type:
    """A kernel manager that encrypts the kernel's local TCP channels where the kernel supports it (CurveZMQ);
    ipykernel 7.4 warns on every start otherwise, which buried the batch's progress bar."""
    from jupyter_client.manager import KernelManager
    from traitlets import default

    class EncryptedKernelManager(KernelManager):
        @default("transport_encryption")
        def _default_transport_encryption(self) -> str:
            return "auto"

    return EncryptedKernelManager


def _session():
    """The process's kernel and client: started at the first report (again, if the kernel died or the process's
    HELPERS_* settings changed since), reset before each later one. One client for all reports: a new one waits a
    fifth of a second for its channels to connect."""
    global _kernel, _client, _settings
    if _kernel is not None and _kernel.is_alive() and _settings == helpers_settings():
        reply = _client.execute_interactive(RESET, store_history=False, timeout=120, output_hook=lambda _: None)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"the kernel could not be reset: {reply['content'].get('evalue')}")
        return _kernel, _client
    shutdown()  # a kernel that died, or reads another data folder, key or workspace than the process now does
    _kernel, _settings = kernel_manager_class()(kernel_name=KERNEL_NAME), helpers_settings()
    _kernel.start_kernel(cwd=str(paths.ROOT / "notebooks"), extra_arguments=KERNEL_ARGUMENTS)
    _client = _kernel.client()
    _client.start_channels()
    _client.wait_for_ready(timeout=120)
    return _kernel, _client


def helpers_settings() -> dict[str, str]:
    """The process's HELPERS_* environment variables: what a kernel inherits at its start and its notebooks read."""
    return {k: v for k, v in os.environ.items() if k.startswith("HELPERS_")}


def shutdown() -> None:
    """Stop the process's kernel (at exit; a kernel also stops when its parent process dies)."""
    global _kernel, _client
    if _client is not None:
        _client.stop_channels()
    if _kernel is not None and _kernel.is_alive():
        _kernel.shutdown_kernel(now=True)
    _kernel = _client = None


atexit.register(shutdown)


def execute(notebook: Path, parameters: dict) -> nbformat.NotebookNode:
    """The notebook executed with papermill's parameters cell injected after its `parameters` cell, outputs in memory.
    Raises NotebookFailed for a cell that raised; the kernel stays for the next report."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = parameterize_notebook(load_notebook_node(str(notebook)), parameters, kernel_name=KERNEL_NAME)
    for cell in nb.cells:  # papermill gives its cell a random id, which the page would carry: the same page every run
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"
    km, kc = _session()
    client = NotebookClient(nb, km=km, kernel_name=KERNEL_NAME)
    client.kc = kc  # the process's client: nbclient starts none of its own and leaves this one open
    try:
        client.execute()
    except CellExecutionError:
        index, error = next(
            (i, o) for i, c in enumerate(nb.cells) for o in c.get("outputs", []) if o.output_type == "error"
        )
        raise NotebookFailed(error.ename, error.evalue, index) from None
    return nb
