"""Who may edit: editors the operator configured, signed in with a password, or named by a
trusted reverse proxy. Viewers need no account; with no editor configured the app is
read-only.

- ``CLAIMS_MAP_EDITORS_FILE``: a TOML file with one table per editor, holding an Argon2
  hash of their password (never the password)::

      [editors.amina]
      password_hash = "$argon2id$v=19$m=65536,t=3,p=4$..."

  ``python -m dashboard.signin NAME`` asks for a password and prints the table to add.
- ``CLAIMS_MAP_TRUSTED_USER_HEADER`` (say ``X-Remote-User``): the name of a request header
  that a reverse proxy in front of the app sets to the signed-in user (and removes from
  what clients send). Only turn it on behind such a proxy: anyone who can reach the app
  directly could send the header themselves.

The editor's name lives in this session's state under a key no widget uses, so a client
cannot set it by crafting widget values.
"""

from __future__ import annotations

import getpass
import os
import sys
import time
import tomllib
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

EDITORS_FILE_ENV = "CLAIMS_MAP_EDITORS_FILE"
TRUSTED_HEADER_ENV = "CLAIMS_MAP_TRUSTED_USER_HEADER"
_EDITOR = "_signed_in_editor"
_FAILURES = "_signin_failures"
MAX_FAILURES = 5
LOCKOUT_S = 60.0
_HASHER = PasswordHasher()


class EditorsFileError(ValueError):
    """The editors file cannot be used; the message says how to fix it."""


def load_editors(path: Path) -> dict[str, str]:
    """Editor name -> password hash, from the operator's TOML file."""
    try:
        parsed = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise EditorsFileError(f"cannot read the editors file {path}: {error}") from error
    except tomllib.TOMLDecodeError as error:
        raise EditorsFileError(f"the editors file {path} is not valid TOML: {error}") from error
    editors: dict[str, str] = {}
    for name, entry in (parsed.get("editors") or {}).items():
        digest = entry.get("password_hash", "") if isinstance(entry, dict) else ""
        if not str(digest).startswith("$argon2"):
            raise EditorsFileError(
                f"editor {name!r} in {path} has no Argon2 password_hash; make one with "
                f"python -m dashboard.signin {name}"
            )
        editors[str(name)] = str(digest)
    return editors


def verify(editors: dict[str, str], name: str, password: str) -> bool:
    digest = editors.get(name)
    if digest is None:
        # The same work as for a known name, so a wrong name takes as long as a wrong password.
        digest = _DUMMY
    try:
        return _HASHER.verify(digest, password) and name in editors
    except (VerificationError, InvalidHashError):
        return False


_DUMMY = _HASHER.hash("not a password anyone has")


def configured_editors() -> dict[str, str]:
    path = os.environ.get(EDITORS_FILE_ENV, "").strip()
    return load_editors(Path(path)) if path else {}


def trusted_header() -> str | None:
    return os.environ.get(TRUSTED_HEADER_ENV, "").strip() or None


def editing_enabled() -> bool:
    return bool(trusted_header()) or bool(configured_editors())


# --- the session's side (Streamlit) -------------------------------------------------------


def editor() -> str | None:
    """The signed-in editor of this session, or None for a viewer."""
    import streamlit as st

    header = trusted_header()
    if header:
        name = (st.context.headers.get(header) or "").strip()
        return name or None
    return st.session_state.get(_EDITOR)


def sign_in(name: str, password: str) -> str | None:
    """Sign this session in; None on success, else what to tell the user."""
    import streamlit as st

    failures: list[float] = st.session_state.setdefault(_FAILURES, [])
    recent = [t for t in failures if time.monotonic() - t < LOCKOUT_S]
    if len(recent) >= MAX_FAILURES:
        return f"Too many failed attempts; wait {LOCKOUT_S:.0f} seconds and try again."
    if verify(configured_editors(), name.strip(), password):
        st.session_state[_EDITOR] = name.strip()
        st.session_state[_FAILURES] = []
        return None
    st.session_state[_FAILURES] = [*recent, time.monotonic()]
    return "Wrong name or password."


def sign_out() -> None:
    import streamlit as st

    st.session_state.pop(_EDITOR, None)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m dashboard.signin EDITOR_NAME", file=sys.stderr)
        return 2
    password = getpass.getpass(f"Password for {argv[0]}: ")
    if len(password) < 12:
        print("use at least 12 characters", file=sys.stderr)
        return 2
    print(f'[editors.{argv[0]}]\npassword_hash = "{_HASHER.hash(password)}"')
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
