"""The parsed-month cache (cchc.cache): where it is kept."""

import subprocess
import sys
from pathlib import Path

from cchc import cache


def test_the_session_cache_is_not_in_the_users_home():
    folder = cache.cache_dir()
    assert folder is not None and folder.is_dir()
    assert not folder.resolve().is_relative_to(Path.home().resolve())


def test_commands_started_by_the_tests_use_the_session_cache():
    code = "from cchc import cache; print(cache.cache_dir())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert Path(out.strip()) == cache.cache_dir()
