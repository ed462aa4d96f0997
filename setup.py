"""Build hook: the wheel carries the top-level notebooks/ and the lock file as package data.

The numbered study notebooks live once in the repository, in ``notebooks/`` where
researchers open them; ``trajectory report`` needs them from an installed package. At
build time they are copied into ``trajectory/notebooks/`` of the wheel, and the lock
file into ``trajectory/templates/`` (its hash goes into every report's provenance).
Everything else about the package is declared in ``pyproject.toml``.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithNotebooks(build_py):
    """``build_py`` that also copies the notebooks and the lock file into the package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads them from the checkout
            return
        package = Path(self.build_lib) / "trajectory"
        (package / "notebooks").mkdir(parents=True, exist_ok=True)
        for notebook in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")):
            self.copy_file(str(notebook), str(package / "notebooks" / notebook.name))
        lock = ROOT / "requirements.lock"
        if lock.is_file():
            self.copy_file(str(lock), str(package / "templates" / lock.name))


setup(cmdclass={"build_py": BuildWithNotebooks})
