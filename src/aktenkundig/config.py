"""Every ``AKTENKUNDIG_*`` environment variable, in one place.

Operators configure aktenkundig only through these variables (and the data
directory they point to). ``docs/configuration.md`` is generated from this
table by ``aktenkundig config --markdown``, so the documentation cannot drift
from the code. The defaults give a working embedded installation (SQLite, no
language model, extractive answers) with nothing configured at all.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str
    secret: bool = False

    def raw(self) -> str:
        return os.environ.get(self.name, self.default)


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "AKTENKUNDIG_DATA_DIR",
        "",
        "Data directory: SQLite database, original files, secret key, models. "
        "Default: $XDG_DATA_HOME/aktenkundig (usually ~/.local/share/aktenkundig).",
    ),
    Setting(
        "AKTENKUNDIG_DATABASE_URL",
        "",
        "PostgreSQL (with pgvector) instead of the embedded SQLite database, "
        "e.g. postgres://aktenkundig:secret@db.example/aktenkundig.",
        secret=True,
    ),
    Setting(
        "AKTENKUNDIG_SECRET_KEY",
        "",
        "Django secret key. Default: generated once and kept in DATA_DIR/secret_key.",
        secret=True,
    ),
    Setting("AKTENKUNDIG_DEBUG", "false", "Django debug mode. Never in production."),
    Setting(
        "AKTENKUNDIG_ALLOWED_HOSTS",
        "localhost,127.0.0.1,[::1]",
        "Comma-separated host names the web server answers to.",
    ),
    Setting(
        "AKTENKUNDIG_SECURE_COOKIES",
        "auto",
        "Send cookies only over HTTPS: true, false, or auto (true unless DEBUG).",
    ),
    Setting("AKTENKUNDIG_LANGUAGE", "de", "Default UI language (de or en)."),
    Setting(
        "AKTENKUNDIG_TASKS",
        "auto",
        "Background work: 'immediate' runs tasks in-process as they are queued, "
        "'database' queues them for `aktenkundig worker` processes. 'auto': immediate "
        "on SQLite, database on PostgreSQL.",
    ),
    Setting("AKTENKUNDIG_MAX_UPLOAD_MB", "100", "Largest file accepted for ingestion, in MB."),
    Setting(
        "AKTENKUNDIG_PII_TAGGER",
        "neural",
        "Tagger for names, places and organisations in running text: neural (BiLSTM over "
        "e5 subword embeddings plus the CRF's person spans; higher recall, about 60 % of "
        "the throughput) or crf (the CRF alone; faster, misses about half of the names in "
        "news-style text). Rules for letters apply with both. See privacy/data/MODEL_CARD.md.",
    ),
    Setting("AKTENKUNDIG_OCR_LANGUAGES", "deu+eng", "Tesseract language packs used for OCR."),
    Setting(
        "AKTENKUNDIG_OCR_MAX_PAGES",
        "200",
        "Most pages of one document that are OCR'd; a document with more pages without "
        "a text layer fails at once with that reason.",
    ),
    Setting(
        "AKTENKUNDIG_OCR_MAX_MEGAPIXELS",
        "25",
        "Largest page for OCR, in million pixels (A4 at 300 dpi: 8.7). Larger PDF pages "
        "are rendered smaller; larger images are refused before decoding.",
    ),
    Setting(
        "AKTENKUNDIG_OCR_PAGE_SECONDS", "60", "Seconds tesseract may spend on one page."
    ),
    Setting(
        "AKTENKUNDIG_OCR_MAX_SECONDS",
        "900",
        "Seconds OCR may spend on one document. A document still 'in progress' this long "
        "after its last sign of life (plus a margin) is marked failed (stale-job recovery).",
    ),
    Setting(
        "AKTENKUNDIG_BACKGROUND_THREAD",
        "auto",
        "Embedded mode (tasks 'immediate'): process uploads in a background thread of the "
        "web worker instead of inside the upload request. auto: on unless tasks go to the "
        "database queue. 'false' processes during the request (tests).",
    ),
    Setting(
        "AKTENKUNDIG_EMBEDDINGS_URL",
        "",
        "OpenAI-compatible server for /v1/embeddings (e.g. a GPU vLLM). "
        "Default: the bundled multilingual-e5-small on the CPU.",
    ),
    Setting(
        "AKTENKUNDIG_EMBED_PROCESSES",
        "1",
        "Bulk embedding with the bundled model (ingest of many documents) in this many "
        "single-threaded processes instead of one multi-threaded one; 0: one per CPU core. "
        "Only worth it where onnxruntime's threads scale poorly (measured equal on a "
        "2-core AVX-512 machine, see docs/benchmarks.md). Small jobs stay in-process.",
    ),
    Setting(
        "AKTENKUNDIG_EMBEDDINGS_MODEL",
        "intfloat/multilingual-e5-small",
        "Model name sent to the embeddings server.",
    ),
    Setting(
        "AKTENKUNDIG_EMBEDDINGS_API_KEY", "", "API key for the embeddings server.", secret=True
    ),
    Setting(
        "AKTENKUNDIG_LLM_BASE_URL",
        "",
        "OpenAI-compatible chat server (vLLM, Ollama, llama.cpp), e.g. "
        "http://llm.intern:8000/v1. Empty: extractive answers only.",
    ),
    Setting("AKTENKUNDIG_LLM_MODEL", "", "Model name sent to the chat server."),
    Setting("AKTENKUNDIG_LLM_API_KEY", "", "API key for the chat server.", secret=True),
    Setting(
        "AKTENKUNDIG_LLM_TIMEOUT", "60", "Seconds to wait for the chat server before falling back."
    ),
    Setting(
        "AKTENKUNDIG_LLM_MAX_LEVEL",
        "vertraulich",
        "Highest data classification the chat server may receive "
        "(offen, intern, vertraulich, vs-nfd). A cloud API should be 'offen'.",
    ),
    Setting(
        "AKTENKUNDIG_LLM_ON_PREM",
        "auto",
        "Whether the chat server runs inside the authority's own network: true, false, "
        "or auto (true for localhost, private IP addresses and names without a dot).",
    ),
    Setting(
        "AKTENKUNDIG_LLM_PASSAGES",
        "5",
        "How many retrieved passages the chat server sees per question (fewer for "
        "models with a small context window).",
    ),
    Setting(
        "AKTENKUNDIG_LLM_MAX_TOKENS",
        "700",
        "Longest answer the chat server may generate, in tokens.",
    ),
    Setting(
        "AKTENKUNDIG_TRANSLATE_BACKEND",
        "llm",
        "Translation backend of the language services: 'llm' (the configured chat "
        "server, through the LLM gateway) or 'libretranslate' (a LibreTranslate-"
        "compatible server at AKTENKUNDIG_TRANSLATE_URL).",
    ),
    Setting(
        "AKTENKUNDIG_TRANSLATE_URL",
        "",
        "Base URL of a LibreTranslate-compatible server, e.g. http://mt.intern:5000.",
    ),
    Setting(
        "AKTENKUNDIG_TRANSLATE_API_KEY", "", "API key of the LibreTranslate server.",
        secret=True,
    ),
    Setting(
        "AKTENKUNDIG_TRANSLATE_MAX_LEVEL",
        "offen",
        "Highest data classification the LibreTranslate server may receive "
        "(offen, intern, vertraulich, vs-nfd).",
    ),
    Setting(
        "AKTENKUNDIG_VAULT_KEY",
        "",
        "Fernet key for the pseudonymisation vault. Default: generated once and kept "
        "in DATA_DIR/vault_key (back it up separately from the database).",
        secret=True,
    ),
    Setting(
        "AKTENKUNDIG_AUDIT_RETENTION_DAYS",
        "183",
        "Days audit-log records are kept before `aktenkundig audit prune` may remove them. "
        "At least 183 (six months, AI Act Art. 26(6)); pruning leaves a signed checkpoint.",
    ),
    Setting(
        "AKTENKUNDIG_AUDIT_KEY",
        "",
        "HMAC key that signs audit-log checkpoints and chain heads. Default: generated "
        "once and kept in DATA_DIR/audit_key (keep a copy outside the database backup).",
        secret=True,
    ),
    Setting(
        "AKTENKUNDIG_AUDIT_ANCHOR",
        "",
        "File the audit chain's head is anchored in, outside the database (one signed "
        "line per record, append-only; `aktenkundig audit checkpoint` compacts it). "
        "Default: DATA_DIR/audit_anchor.log. 'off' disables it (not recommended). Each "
        "line also goes to the logger aktenkundig.audit.anchor: route it to syslog.",
    ),
    Setting(
        "AKTENKUNDIG_AUDIT_CONTENT",
        "hash",
        "What the audit log keeps of AI input and output by default: 'hash' (SHA-256 "
        "only) or 'pseudonymised' (the pseudonymised text). A tenant's KI-Richtlinie "
        "can choose per feature.",
    ),
    Setting(
        "AKTENKUNDIG_AUDIT_SYNCHRONOUS_COMMIT",
        "on",
        "PostgreSQL only: 'off' lets an audit record that commits on its own return "
        "before its WAL is flushed to disk (about 10x faster on slow disks). A server "
        "crash may then lose the last fraction of a second of records, never the "
        "chain's consistency. Records written inside the caller's transaction follow "
        "the caller's commit either way.",
    ),
    Setting(
        "AKTENKUNDIG_AI_ACT_DATES",
        "",
        "TOML file with the AI Act application dates (same keys as the bundled "
        "governance/data/ai_act.toml); use it when dates change by law.",
    ),
    Setting(
        "AKTENKUNDIG_CACHE_URL",
        "database",
        "Cache shared by all worker processes (rate limits, cached citizen answers): "
        "'database' (a table in the configured database; works for any number of "
        "workers and machines), redis://host:6379/0 for Redis or Valkey (needs the "
        "`redis` Python package), or 'locmem' (per process: only for one worker).",
    ),
    Setting(
        "AKTENKUNDIG_CITIZEN_RATE_IP",
        "30/60",
        "Citizen chatbot: questions allowed per client IP address, as count/seconds.",
    ),
    Setting(
        "AKTENKUNDIG_CITIZEN_RATE_SESSION",
        "10/60",
        "Citizen chatbot: questions allowed per conversation, as count/seconds.",
    ),
    Setting(
        "AKTENKUNDIG_CITIZEN_MAX_MESSAGE_CHARS",
        "1000",
        "Citizen chatbot: longest message accepted, in characters.",
    ),
    Setting(
        "AKTENKUNDIG_CITIZEN_CLIENT_IP_HEADER",
        "",
        "Citizen chatbot behind a reverse proxy: the request header holding the client "
        "address, e.g. X-Real-IP (first entry is used for X-Forwarded-For). Empty: the "
        "TCP peer address. Set it only if the proxy overwrites that header.",
    ),
    Setting(
        "AKTENKUNDIG_CLIENT_IP_HEADER",
        "",
        "Behind a reverse proxy: the request header with the client address (e.g. "
        "X-Real-IP; first entry of X-Forwarded-For) for login lockouts. Empty: the "
        "citizen chatbot's setting, else the TCP peer. Set it only if the proxy "
        "overwrites that header; otherwise clients could choose their address.",
    ),
    Setting(
        "AKTENKUNDIG_LOGIN_RATE_IP",
        "20/900",
        "Failed logins allowed per client address across all usernames (against "
        "password spraying), as count/seconds; then every login from it is refused.",
    ),
    Setting(
        "AKTENKUNDIG_LOGIN_RATE_USER",
        "20/900",
        "Failed logins allowed per username across all addresses, as count/seconds.",
    ),
    Setting(
        "AKTENKUNDIG_TEST_ALLOWED_HOSTS",
        "",
        "Test suite only: comma-separated hosts besides loopback that tests may connect "
        "to (the egress guard fails every other outbound connection).",
    ),
    Setting(
        "AKTENKUNDIG_OIDC_ISSUER",
        "",
        "OpenID Connect issuer URL (e.g. Keycloak realm). Empty: local accounts only.",
    ),
    Setting("AKTENKUNDIG_OIDC_CLIENT_ID", "", "OpenID Connect client id."),
    Setting("AKTENKUNDIG_OIDC_CLIENT_SECRET", "", "OpenID Connect client secret.", secret=True),
    Setting(
        "AKTENKUNDIG_OIDC_ROLE_MAP",
        "",
        "IdP group to role mapping, e.g. 'ki-team=ki_beauftragte,it=administrator'.",
    ),
    Setting(
        "AKTENKUNDIG_OIDC_GROUPS_CLAIM",
        "groups",
        "Claim of the ID token / userinfo that lists the user's IdP groups.",
    ),
    Setting(
        "AKTENKUNDIG_OIDC_TENANT",
        "default",
        "Tenant (Kürzel) that users signing in through OpenID Connect belong to.",
    ),
    Setting(
        "AKTENKUNDIG_OIDC_AUTHORIZATION_URL",
        "",
        "Authorization endpoint. Empty: derived from the issuer (Keycloak layout).",
    ),
    Setting("AKTENKUNDIG_OIDC_TOKEN_URL", "", "Token endpoint. Empty: derived from the issuer."),
    Setting(
        "AKTENKUNDIG_OIDC_USERINFO_URL", "", "Userinfo endpoint. Empty: derived from the issuer."
    ),
    Setting("AKTENKUNDIG_OIDC_JWKS_URL", "", "JWKS endpoint. Empty: derived from the issuer."),
    Setting(
        "AKTENKUNDIG_SESSION_IDLE_MINUTES",
        "60",
        "Minutes without activity after which a web session ends.",
    ),
    Setting(
        "AKTENKUNDIG_HISTORY_RETENTION_DAYS",
        "90",
        "Default number of days conversations are kept before automatic deletion "
        "(each tenant can set its own period).",
    ),
    Setting("AKTENKUNDIG_INBOX_IMAP_HOST", "", "Posteingang: IMAP server of the functional "
            "mailbox. Empty: no mail intake."),
    Setting("AKTENKUNDIG_INBOX_IMAP_PORT", "993", "Posteingang: IMAP port."),
    Setting("AKTENKUNDIG_INBOX_IMAP_SSL", "true", "Posteingang: IMAP over TLS (false: "
            "plain, for a server on loopback only)."),
    Setting("AKTENKUNDIG_INBOX_IMAP_USER", "", "Posteingang: IMAP user."),
    Setting("AKTENKUNDIG_INBOX_IMAP_PASSWORD", "", "Posteingang: IMAP password.", secret=True),
    Setting("AKTENKUNDIG_INBOX_IMAP_FOLDER", "INBOX", "Posteingang: folder read."),
    Setting("AKTENKUNDIG_INBOX_SMTP_HOST", "", "Posteingang: SMTP server for delivery to a "
            "unit's mailto: target. Empty: mail delivery fails and is retried."),
    Setting("AKTENKUNDIG_INBOX_SMTP_PORT", "25", "Posteingang: SMTP port (STARTTLS is used "
            "when the server offers it)."),
    Setting("AKTENKUNDIG_INBOX_SMTP_FROM", "posteingang@localhost", "Posteingang: sender "
            "address of delivered items."),
    Setting("AKTENKUNDIG_INBOX_IMAP_TENANT", "", "Posteingang: tenant the mailbox belongs "
            "to (slug). Empty: the default tenant."),
    Setting(
        "AKTENKUNDIG_SPEECH_MODEL",
        "",
        "Directory of a CTranslate2 Whisper model for subtitles. Empty: the shipped "
        "Whisper base (int8 on CPU), assembled once into DATA_DIR/models/whisper-base.",
    ),
    Setting(
        "AKTENKUNDIG_SPEECH_MAX_MINUTES",
        "120",
        "Longest audio or video (in minutes) that is transcribed; longer files are refused.",
    ),
    Setting(
        "AKTENKUNDIG_SPEECH_KEEP_MEDIA_DAYS",
        "7",
        "Days an uploaded recording is kept after recognition, so that the subtitle editor "
        "can play it; then it is deleted (the subtitles stay). 0: deleted right after "
        "recognition (the editor then works without playback).",
    ),
    Setting(
        "AKTENKUNDIG_SPEECH_LIVE_BEAM",
        "1",
        "Beam width of the live subtitle decoder while it keeps up with real time (a "
        "decode step that took longer than the one-second step makes the next step "
        "greedy). 1 (greedy): lowest latency; with Whisper base on two cores beam 5 "
        "gave no measurable gain in accuracy. Worth raising with a larger model on a "
        "faster machine.",
    ),
    Setting(
        "AKTENKUNDIG_SPEECH_URL",
        "",
        "OpenAI-compatible transcription server (e.g. http://gpu.intern:8000) used instead "
        "of the local engine: POST {url}/v1/audio/transcriptions. Empty: local only.",
    ),
    Setting(
        "AKTENKUNDIG_SPEECH_SERVER_MODEL",
        "whisper-1",
        "Model name sent to the transcription server (e.g. Systran/faster-whisper-large-v3).",
    ),
    Setting("AKTENKUNDIG_SPEECH_API_KEY", "", "API key of the transcription server (sent as "
            "a Bearer token).", secret=True),
    Setting(
        "AKTENKUNDIG_SPEECH_MAX_LEVEL",
        "offen",
        "Highest data classification a recording sent to the transcription server may have "
        "(offen, intern, vertraulich, vs-nfd); above it the local engine transcribes.",
    ),
    Setting("AKTENKUNDIG_SPEECH_TIMEOUT", "600", "Seconds to wait for the transcription "
            "server; on failure the local engine transcribes."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> str:
    """The configured value of ``name`` (which must be declared above)."""
    return _BY_NAME[name].raw()


def get_bool(name: str) -> bool:
    return get(name).strip().lower() in {"1", "true", "yes", "on", "ja"}


def get_int(name: str) -> int:
    value = get(name)
    try:
        return int(value)
    except ValueError as error:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from error


def get_list(name: str) -> list[str]:
    return [item.strip() for item in get(name).split(",") if item.strip()]


def data_dir() -> Path:
    configured = get("AKTENKUNDIG_DATA_DIR")
    if configured:
        path = Path(configured).expanduser()
    else:
        base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
        path = Path(base) / "aktenkundig"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = path.resolve()
    harden(path)
    return path


#: Files in the data directory nobody but the service account may read.
PRIVATE_FILES = ("secret_key", "audit_key", "vault_key", "audit_anchor.log",
                 "aktenkundig.sqlite3", "aktenkundig.sqlite3-wal", "aktenkundig.sqlite3-shm")


def harden(path: Path) -> None:
    """The data directory 0700, its keys and database 0600 (issue #10, 8: they were
    world-readable). Files created later inherit the process umask 077 (settings).
    Best effort: a directory owned by someone else is left as it is."""
    try:
        if path.stat().st_uid == os.getuid():
            path.chmod(0o700)
            for name in PRIVATE_FILES:
                file = path / name
                if file.is_file() and not file.is_symlink():
                    file.chmod(0o600)
    except OSError:
        pass


def as_markdown() -> str:
    lines = [
        "# Configuration",
        "",
        "aktenkundig reads these environment variables (generated by "
        "`aktenkundig config --markdown`; do not edit by hand).",
        "",
        "| variable | default | meaning |",
        "|---|---|---|",
    ]
    for setting in SETTINGS:
        default = f"`{setting.default}`" if setting.default else "(empty)"
        lines.append(f"| `{setting.name}` | {default} | {setting.help} |")
    return "\n".join(lines) + "\n"
