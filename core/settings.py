"""Settings from BOLIGARKIV_* environment variables, an optional TOML file and CLI overrides.

Precedence (highest first): explicit overrides (CLI flags) > environment > TOML file > defaults.
"""

from __future__ import annotations

import os
import tomllib
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict


def _default_seeds() -> Path:
    """The seeds shipped with the package (`seeds/` is installed as `boligarkiv.seeddata`), found the same way
    in an editable install of the checkout and in an installed wheel."""
    from importlib.resources import files

    return Path(str(files("boligarkiv.seeddata") / "kommune_urls.csv"))


DEFAULT_SEEDS = _default_seeds()
ENV_PREFIX = "BOLIGARKIV_"


class SettingsError(RuntimeError):
    """A configuration problem the user must fix (bad TOML, unwritable data dir...)."""


def _default_data_dir() -> Path:
    # A ./data next to where the user works wins, so a checkout keeps its archive beside it;
    # otherwise follow the XDG convention.
    local = Path.cwd() / "data"
    if local.is_dir():
        return local
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "boligarkiv"


# The [boligarkiv] table of the TOML file being loaded: a settings source below the environment.
_TOML_VALUES: ContextVar[dict[str, Any]] = ContextVar("boligarkiv_toml_values", default={})  # noqa: B039


class _TomlSource(PydanticBaseSettingsSource):
    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return _TOML_VALUES.get().get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in _TOML_VALUES.get().items() if k in self.settings_cls.model_fields}


class Settings(BaseSettings):
    """Every setting has a BOLIGARKIV_<NAME> environment variable (pydantic-settings); see the README."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_ignore_empty=True, extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = None
    es_url: str | None = None
    seeds: Path = DEFAULT_SEEDS
    ssb_url: str = "https://data.ssb.no/api/pxwebapi/v2"
    klass_url: str = "https://data.ssb.no/api/klass/v1"
    ssb_calls_per_minute: int = 30  # SSB's published quota
    robek_url: str = (
        "https://www.regjeringen.no/no/tema/kommuner-og-regioner/kommuneokonomi/robek-2/"
        "kommuner-som-er-oppfort-i-registeret/id415422/"
    )
    user_agent_contact: str = "boligarkiv@example.org"
    crawl_max_pages: int = 300
    crawl_max_depth: int = 5
    crawl_max_bytes: int = 60 * 1024 * 1024
    crawl_concurrency_per_host: int = 2
    crawl_delay: float = 1.0
    husbanken_start_url: str = "https://biblioteket.husbanken.no/"
    crawl_husbanken: bool = True  # `run` and `schedule` also walk Husbanken's library
    crawl_portals: bool = True  # read the meeting portals kommune sites link (or the seeds name)
    portal_months: int = Field(default=24, ge=1, le=120)  # how far back meetings are read
    portal_max_pages: int = Field(default=600, ge=1)  # portal pages and API calls per kommune and run
    portal_max_documents: int = Field(default=80, ge=1)  # case papers per kommune and run
    write_token: str | None = None
    # The weekly digest of what the analysts follow, by e-mail (SMTP); unset host: the digest is only printed.
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "boligarkiv@localhost"
    web_base_url: str = "http://127.0.0.1:8000"  # links in e-mails and spreadsheets point here
    csv_dialect: str = Field(default="excel", pattern="^(excel|maskin)$")  # CSV for Norwegian Excel or for programs
    # Shared workers: a claim on a document lasts this long; a killed worker's documents are taken over after.
    work_lease_seconds: float = Field(default=900.0, gt=0)
    # The blob store; a path every worker can reach (a shared filesystem) when workers run on several machines.
    blobs_dir: Path | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Precedence: explicit values (CLI flags) > environment > TOML file > defaults.
        return (init_settings, env_settings, _TomlSource(settings_cls))

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'boligarkiv.sqlite3'}"

    @property
    def blob_dir(self) -> Path:
        return self.blobs_dir or self.data_dir / "blobs"

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith("sqlite")


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build settings; `config_file` defaults to $BOLIGARKIV_CONFIG."""
    values: dict[str, Any] = {}
    path = config_file or (Path(os.environ["BOLIGARKIV_CONFIG"]) if os.environ.get("BOLIGARKIV_CONFIG") else None)
    if path is not None:
        if not path.is_file():
            raise SettingsError(f"Fant ikke konfigurasjonsfilen {path}")
        try:
            values.update(tomllib.loads(path.read_text(encoding="utf-8")).get("boligarkiv", {}))
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"Ugyldig TOML i {path}: {exc}") from exc
    token = _TOML_VALUES.set(values)
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        raise SettingsError(f"Ugyldige innstillinger: {exc}") from exc
    finally:
        _TOML_VALUES.reset(token)


def ensure_data_dir(settings: Settings) -> Path:
    """Create the data dir and prove it is writable, with a clear message if not."""
    data_dir = settings.data_dir
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise SettingsError(f"Datamappen {data_dir} er ikke skrivbar: {exc.strerror or exc}") from exc
    return data_dir
