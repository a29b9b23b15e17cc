"""Settings of the whole test session.

The parsed-month cache goes to a temporary folder, never to the user's cache
(~/.cache/cchc): it is set in the environment before any test runs, so the
commands and notebook kernels the tests start inherit it, and so do the
workers of `pytest -n` (pytest-xdist): one folder for the whole session. Tests
of the cache itself set their own folder.

`make test` runs `pytest -n auto --dist loadfile`: each test file goes to one
worker, so a module's costly fixtures (a real report) are made once. The
files with slow tests (a whole report: papermill, nbconvert, WeasyPrint) are
collected first, so that the workers start them first and the quick ones fill
the gaps: the session ends sooner.
"""

import os
import shutil
import tempfile

import pytest

CACHE_VARIABLE = "CCHC_CACHE_DIR"
_folder = pytest.StashKey[str]()
_before = pytest.StashKey["str | None"]()


def _xdist_worker(config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config):
    if _xdist_worker(config):
        return  # the controller's folder, inherited with its environment
    config.stash[_folder] = tempfile.mkdtemp(prefix="cchc-test-cache-")
    config.stash[_before] = os.environ.get(CACHE_VARIABLE)
    os.environ[CACHE_VARIABLE] = config.stash[_folder]


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable: slow ones first


def pytest_unconfigure(config):
    if _xdist_worker(config):
        return
    before = config.stash[_before]
    if before is None:
        os.environ.pop(CACHE_VARIABLE, None)
    else:
        os.environ[CACHE_VARIABLE] = before
    shutil.rmtree(config.stash[_folder], ignore_errors=True)
