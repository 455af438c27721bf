"""The survey PII key generated for a machine is readable by its owner only, from the first moment."""

from __future__ import annotations

import os
import stat

import pytest

from service_quality.orchestrate.pipeline import PII_KEY_FILE, pii_key_env


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture()
def loose_umask():
    previous = os.umask(0o022)  # the usual default: new folders 0755, new files 0644
    yield
    os.umask(previous)


def test_the_local_key_is_kept_in_secrets_with_owner_only_modes(tmp_path, loose_umask):
    assert PII_KEY_FILE.parent.name == "secrets"
    key_file = tmp_path / ".local" / "secrets" / "survey_pii_key"
    env, note = pii_key_env({}, key_file)
    assert _mode(key_file.parent) == 0o700
    assert _mode(key_file) == 0o600
    key = env["AIRFLOW_VAR_SURVEY_PII_KEY"]
    assert len(key) == 64 and key_file.read_text() == key and str(key_file) in note
    # The next run reuses the key.
    assert pii_key_env({}, key_file)[0]["AIRFLOW_VAR_SURVEY_PII_KEY"] == key


def test_folders_left_wider_by_an_earlier_version_are_tightened(tmp_path, loose_umask):
    key_file = tmp_path / "secrets" / "survey_pii_key"
    key_file.parent.mkdir(mode=0o755)
    key_file.write_text("an-older-key")
    key_file.chmod(0o644)
    env, _ = pii_key_env({}, key_file)
    assert env["AIRFLOW_VAR_SURVEY_PII_KEY"] == "an-older-key"
    assert (_mode(key_file.parent), _mode(key_file)) == (0o700, 0o600)


def test_a_configured_key_writes_nothing(tmp_path):
    key_file = tmp_path / "secrets" / "survey_pii_key"
    env, note = pii_key_env({"AIRFLOW_VAR_SURVEY_PII_KEY": "from-the-deployment"}, key_file)
    assert env["AIRFLOW_VAR_SURVEY_PII_KEY"] == "from-the-deployment" and note is None
    assert not key_file.parent.exists()
