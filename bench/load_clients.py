"""One simulated user of the load bench: signs in, then searches, reads pages and
submits cases and reflections through the real web forms, as fast as answers come.

Every request is timed (the whole answer read); every submission the site confirmed
(303 to the new item) is remembered, so the bench can look for it afterwards.
"""
from __future__ import annotations

import random
import re
import threading
import time
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

import requests

from bench.load_site import PASSWORD, Account, Site

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
# How often a client does what (searches and pages as people use the site; a tenth of
# the actions writes, so that writers meet readers and each other).
ACTIONS = {"search": 45, "page": 45, "submit": 10}
VISIBILITIES = {"public": 40, "internal": 25, "group": 25, "private": 10}
DRAFT_SHARE = 0.3  # "Opslaan als concept" instead of "Opslaan en indienen"
EDITOR_AT_DESK = 0.4  # of the editor's page views: the queue of everyone's submissions


@dataclass(frozen=True)
class Sample:
    kind: str          # search, page or submit
    label: str         # which search or page, for the breakdown
    status: int        # 0 when no answer came (connection refused, timeout)
    seconds: float
    expected: bool = False  # a non-2xx/3xx the bench asked for (a duplicate-title warning)


@dataclass(frozen=True)
class Submission:
    kind: str          # case or reflection
    ref: str           # the slug or id the redirect named
    email: str
    draft: bool
    visibility: str


class Client:
    def __init__(self, url: str, account: Account, site: Site, number: int):
        self.url, self.account, self.site, self.number = url, account, site, number
        self.http = requests.Session()
        self.rng = random.Random(number)
        self.samples: list[Sample] = []
        self.submissions: list[Submission] = []
        self.failures: list[str] = []   # requests that got no answer at all

    # -- the loop ---------------------------------------------------------------------

    def sign_in(self) -> None:
        """Before the clock starts: not part of the mix."""
        page = self.http.get(self.url + "/inloggen", timeout=60)
        response = self.http.post(self.url + "/inloggen", allow_redirects=False, timeout=60,
                                  data={"email": self.account.email, "password": PASSWORD,
                                        "csrf_token": _token(page.text)})
        if response.status_code != 303:
            raise RuntimeError(f"{self.account.email} could not sign in: {response.status_code}")

    def run(self, start: threading.Event, deadline: list[float], stop: threading.Event) -> None:
        """Wait for the start, then act until the deadline (set by the starter) or a stop."""
        start.wait()
        actions = {"search": self.search, "page": self.view_page, "submit": self.submit}
        kinds, weights = list(ACTIONS), list(ACTIONS.values())
        while time.monotonic() < deadline[0] and not stop.is_set():
            actions[self.rng.choices(kinds, weights)[0]]()

    def request(self, kind: str, label: str, method: str, path: str, **options):
        """One timed request; redirects are answers, not followed."""
        started = time.perf_counter()
        try:
            response = self.http.request(method, self.url + path, allow_redirects=False,
                                         timeout=60, **options)
        except requests.RequestException as error:
            self.samples.append(Sample(kind, label, 0, time.perf_counter() - started))
            self.failures.append(f"{method} {path}: {error}")
            return None
        self.samples.append(Sample(kind, label, response.status_code,
                                   time.perf_counter() - started))
        return response

    # -- what a user does ---------------------------------------------------------------

    def search(self) -> None:
        query = self.rng.choice(self.site.queries)
        self.request("search", query.kind, "GET", "/zoeken",
                     params={"q": query.text, **query.chosen})

    def view_page(self) -> None:
        site, pick = self.site, self.rng.choice
        pages = [("home", "/"), ("cases", "/casussen/"), ("case", f"/casussen/{pick(site.cases)}"),
                 ("roles", "/rollen"), ("role", f"/rollen/{pick(site.roles)}"),
                 ("group", f"/leergroepen/{pick(site.groups)}"), ("browse", "/bladeren"),
                 ("reflections", "/reflecties/"), ("mine", "/mijn-bijdragen")]
        label, path = pick(pages)
        if self.account.editor and self.rng.random() < EDITOR_AT_DESK:
            label, path = "desk", "/redactie"
        self.request("page", label, "GET", path)

    def submit(self) -> None:
        """GET the form, POST it with its token; confirm a likely duplicate as a user
        would; then read the new item's page, as the redirect leads there."""
        kind = self.rng.choice(["case", "reflection"])
        path = "/casussen/nieuw" if kind == "case" else "/reflecties/nieuw"
        form = self.request("page", f"{kind} form", "GET", path)
        if form is None or form.status_code != 200:
            return
        fields = self.case_fields() if kind == "case" else self.reflection_fields()
        draft = self.rng.random() < DRAFT_SHARE
        fields["actie"] = "concept" if draft else "indienen"
        answer = self.request("submit", kind, "POST", path,
                              data={**fields, "csrf_token": _token(form.text)})
        if answer is not None and answer.status_code == 422 and 'name="confirm_new"' in answer.text:
            self.samples[-1] = replace(self.samples[-1], expected=True)
            answer = self.request("submit", kind, "POST", path, data={
                **fields, "confirm_new": "1", "csrf_token": _token(answer.text)})
        if answer is not None and answer.status_code == 303:
            location = urlsplit(answer.headers["Location"]).path
            self.submissions.append(Submission(kind, location.rstrip("/").rsplit("/", 1)[-1],
                                               self.account.email, draft, fields["visibility"]))
            self.request("page", f"own {kind}", "GET", location)

    # -- what goes into the forms -------------------------------------------------------

    def words(self, count: int) -> str:
        chosen = self.rng.sample(self.site.words, min(count, len(self.site.words)))
        return " ".join(chosen).capitalize()

    def title(self) -> str:
        """Corpus words, and a mark that makes the title unique and traceable."""
        return f"{self.words(4)} (client {self.number}, {len(self.submissions) + 1})"

    def visibility(self) -> str:
        return self.rng.choices(list(VISIBILITIES), list(VISIBILITIES.values()))[0]

    def case_fields(self) -> dict:
        site, rng = self.site, self.rng
        roles = rng.sample(site.roles, 2)
        return {
            "title": self.title(), "summary": self.words(12) + ".",
            "body": (f"## Aanleiding\n\n{self.words(40)}.\n\n## Wat we deden\n\n"
                     f"- {self.words(8)}\n- **{self.words(3)}** {self.words(6)}"),
            "roles": roles, "dominant_role": roles[0], "policy_domain": rng.choice(site.domains),
            "organisation": "Ministerie van Infrastructuur en Waterstaat",
            "stakeholder_types": rng.sample(site.stakeholder_types, 2),
            "learning_groups": [self.account.group], "year_start": str(rng.randint(2010, 2024)),
            "year_end": "", "dilemma": self.words(10) + ".", "visibility": self.visibility()}

    def reflection_fields(self) -> dict:
        site, rng = self.site, self.rng
        acted, asked = rng.sample(site.roles, 2)
        return {
            "title": self.title(), "case": rng.choice([*site.cases[:50], ""]),
            "context": rng.choice(site.contexts), "learning_group": self.account.group,
            "occurred_on": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "situation": self.words(30) + ".", "looking_back": self.words(20) + ".",
            "intention": self.words(15) + ".", "lesson": self.words(10) + ".",
            "roles_acted": [acted], "roles_asked": [asked], "switch_from": acted,
            "switch_to": asked, "switch_note": self.words(10) + ".",
            "visibility": self.visibility()}


def _token(html: str) -> str:
    found = TOKEN.search(html)
    return found.group(1) if found else ""
