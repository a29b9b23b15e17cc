"""Settings of the whole test session.

The parsed-month cache goes to a temporary folder, never to the user's cache
(~/.cache/cchc): it is set in the environment before any test runs, so the
commands and notebook kernels the tests start inherit it. Tests of the cache
itself set their own folder.
"""

import os
import shutil
import tempfile

import pytest

CACHE_VARIABLE = "CCHC_CACHE_DIR"
_folder = pytest.StashKey[str]()
_before = pytest.StashKey["str | None"]()


def pytest_configure(config):
    config.stash[_folder] = tempfile.mkdtemp(prefix="cchc-test-cache-")
    config.stash[_before] = os.environ.get(CACHE_VARIABLE)
    os.environ[CACHE_VARIABLE] = config.stash[_folder]


def pytest_unconfigure(config):
    before = config.stash[_before]
    if before is None:
        os.environ.pop(CACHE_VARIABLE, None)
    else:
        os.environ[CACHE_VARIABLE] = before
    shutil.rmtree(config.stash[_folder], ignore_errors=True)
