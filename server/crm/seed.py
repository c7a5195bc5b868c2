"""Deterministic demo data (seeded RNG): users, roles, groups, profiles, licence and records.

Demo logins (password = username + "123"):
  admin   Administrator            admin, enabled
  anna    Anna Rossi      it_it Europe/Rome  Sales Manager, enabled
  marco   Marco Bianchi   en_us Europe/Rome  Sales Representative (reports to Anna), enabled
  sara    Sara Conti      it_it Europe/Rome  Support Agent, cannot see Potentials, enabled
  luca    Luca Ferri      it_it Europe/Rome  Support Agent, active but NOT enabled for Mail Connector
  giulia  Giulia Romano   it_it Europe/Rome  Sales Representative, enabled, needs a TOTP code
                                            (secret JBSWY3DPEHPK3PXP)
User ids (ws): admin 19x1, anna 19x2, marco 19x3, sara 19x4, luca 19x5, giulia 19x6.
Groups: "Sales Team" 22x7 (anna, marco, giulia), "Support Team" 22x8 (sara, luca).

Sharing: Accounts public read-only, Contacts/Leads/Potentials/Documents/Messages private,
HelpDesk public read/write, Projects public read-only.
Profiles: Administrator (all); Sales (all modules, Users/Groups read-only);
Support (no Potentials; Accounts and Leads read-only; fields Accounts.annual_revenue and
Contacts.mobile hidden).

Anchor records (created first, so their ids are fixed):
  3x1   Account  "Rossi Costruzioni S.r.l." ACC1 <info@rossicostruzioni.it>, owner anna
  3x2   Account  "Smith & Partners Ltd" ACC2 <office@smithpartners.co.uk>, owner marco
  4x3   Contact  Mario Rossi <mario.rossi@example.it> CON1 at 3x1, owner anna (private:
                 marco, her subordinate, cannot see it)
  4x4   Contact  John Smith <john.smith@example.com> CON2 at 3x2, owner marco (anna sees it)
  2x5   Lead     Laura Bianchi <laura.bianchi@example.org> LEA1, company "Bianchi Design", owner marco
  9x6   Ticket   TT1042 "Printer not working" for 3x1, contact 4x3, owner sara (public read/write)
  4x7   Contact  Giorgio Verdi <giorgio.verdi@example.it> CON3, owned by group Support Team
                 (sara and luca see it; marco and anna do not)
  4x8   Contact  Paolo Neri <paolo.neri@example.net> CON4, owner anna
  2x9   Lead     Paolo Neri <Paolo.Neri@example.net> LEA2 (same address, other case), owner anna
  3x10  Account  "Neri Consulting" ACC3 <paolo.neri@example.net>, owner anna
  41x11 Project  "Neri website" PRJ1 <paolo.neri@example.net>, owner anna
  5x12  Potential "Rossi Costruzioni - new HQ" POT1 related to 3x1, owner anna
  41x13 Project  "Rossi HQ renovation" PRJ2 <project.rossi@example.it> for 3x1, owner anna
  4x14  Contact  Deleted Person <deleted.person@example.it> CON5, owner anna, DELETED
  4x15  Contact  Marta Gallo <marta.gallo@example.it> CON6, owner giulia
Hostile names (Contacts owned by group Sales Team; firstname lastname <email>):
  4x16 Sean O'Brien <sean.obrien@example.ie>        4x17 Fattoria 100% Bio <bio@example.it>
  4x18 Ugo under_score <ugo.under@example.it>        4x19 Bruno back\\slash <bruno.back@example.it>
  4x20 Zoë Ünal <zoe.unal@example.de>                 4x21 Xss <script>alert(1)</script> <xss.script@example.com>
  4x22 Img <img src=x onerror=alert(1)> <xss.img@example.com>
Decoys for literal-match tests (same owner): 4x23 Fattoria 1000 Bio, 4x24 Ugo underXscore,
  4x25 Bruno backslash, 4x26 Sean OBrien.
Then hundreds of generated records per module (crmid 27 on).
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from server.crm.directory import create_group, create_user
from server.crm.metadata import MODULES, ModuleDef, module_def
from server.crm.schema import module_table
from server.crm.security import hash_password
from server.crm.timeutil import FORMAT

SEED = 20240802
BASE_TIME = datetime(2025, 9, 1, 9, 0, tzinfo=UTC)
GIULIA_OTP_SECRET = "JBSWY3DPEHPK3PXP"  # noqa: S105 (public demo secret, documented)

DEMO_USERS: tuple[tuple[str, str, str, str, str, str, str, bool], ...] = (
    # username, first, last, role, language, time zone, description, enabled for Mail Connector
    ("admin", "", "Administrator", "Administrator", "en_us", "Europe/Rome", "administrator", True),
    ("anna", "Anna", "Rossi", "Sales Manager", "it_it", "Europe/Rome", "sales manager, private records", True),
    ("marco", "Marco", "Bianchi", "Sales Representative", "en_us", "Europe/Rome", "sales rep under Anna", True),
    ("sara", "Sara", "Conti", "Support Agent", "it_it", "Europe/Rome", "support, cannot see Potentials", True),
    ("luca", "Luca", "Ferri", "Support Agent", "it_it", "Europe/Rome", "active, NOT enabled for Mail Connector",
     False),
    ("giulia", "Giulia", "Romano", "Sales Representative", "it_it", "Europe/Rome", "needs a TOTP code", True),
)

ROLES = (  # name, parent, profile
    ("Administrator", None, "Administrator"),
    ("Sales Manager", "Administrator", "Sales"),
    ("Sales Representative", "Sales Manager", "Sales"),
    ("Support Manager", "Administrator", "Support"),
    ("Support Agent", "Support Manager", "Support"),
)

FIRST_IT = ("Alessandro", "Andrea", "Francesco", "Giuseppe", "Lorenzo", "Matteo", "Davide", "Stefano",
            "Federica", "Chiara", "Francesca", "Elena", "Valentina", "Martina", "Silvia", "Roberta",
            "Antonio", "Paola", "Simone", "Alessia", "Claudio", "Ilaria", "Riccardo", "Beatrice")
LAST_IT = ("Ferrari", "Esposito", "Russo", "Colombo", "Ricci", "Marino", "Greco", "Bruno", "Gallo",
           "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo", "Lombardi", "Moretti", "Barbieri",
           "Fontana", "Santoro", "Mariani", "Rinaldi", "Caruso", "Ferrara", "Galli", "Martini", "Leone")
FIRST_EN = ("James", "Oliver", "Harry", "George", "William", "Emily", "Olivia", "Amelia", "Isla",
            "Sophie", "Thomas", "Jack", "Charlotte", "Grace", "Daniel", "Hannah", "Michael", "Sarah")
LAST_EN = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
           "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Clarke")
COMPANY_ROOTS = ("Alpi", "Adriatica", "Tirreno", "Dolomiti", "Lario", "Vesuvio", "Etna", "Arno", "Po",
                 "Brenta", "Nord", "Sud", "Euro", "Global", "Atlas", "Summit", "Harbour", "Oak",
                 "Riverside", "Kingsway", "Bridge", "Meridian", "Northfield", "Crown", "Beacon")
COMPANY_KINDS_IT = ("Costruzioni", "Logistica", "Impianti", "Alimentari", "Informatica", "Trasporti",
                    "Energia", "Consulting", "Meccanica", "Arredamenti", "Tessile", "Farmaceutici")
COMPANY_KINDS_EN = ("Systems", "Logistics", "Consulting", "Foods", "Engineering", "Solutions",
                    "Holdings", "Partners", "Digital", "Energy", "Supplies", "Analytics")
CITIES = ("Milano", "Roma", "Torino", "Bologna", "Firenze", "Napoli", "Venezia", "Verona", "Padova",
          "London", "Manchester", "Bristol", "Leeds", "Edinburgh", "Dublin")
TICKET_TITLES = ("Printer not responding", "Cannot access VPN", "Invoice shows wrong amount",
                 "Password reset request", "Delivery delayed", "Software licence renewal",
                 "Email not syncing", "Stampante inceppata", "Errore in fattura", "Richiesta assistenza",
                 "Server slow after update", "Backup failed", "Aggiornamento gestionale")
PROJECT_WORDS = ("Website", "ERP rollout", "Office move", "CRM migration", "Nuovo magazzino",
                 "Rebranding", "Sito e-commerce", "Data warehouse", "Formazione", "Audit")

HOSTILE = (
    ("Sean", "O'Brien", "sean.obrien@example.ie"),
    ("Fattoria", "100% Bio", "bio@example.it"),
    ("Ugo", "under_score", "ugo.under@example.it"),
    ("Bruno", "back\\slash", "bruno.back@example.it"),
    ("Zoë", "Ünal", "zoe.unal@example.de"),
    ("Xss", "<script>alert(1)</script>", "xss.script@example.com"),
    ("Img", "<img src=x onerror=alert(1)>", "xss.img@example.com"),
    ("Fattoria", "1000 Bio", "bio1000@example.it"),
    ("Ugo", "underXscore", "ugo.underx@example.it"),
    ("Bruno", "backslash", "bruno.backslash@example.it"),
    ("Sean", "OBrien", "sean.obrien2@example.ie"),
)


def slug(text: str) -> str:
    table = str.maketrans("àèéìòùäöüë' ", "aeeiouaoue..")
    return "".join(ch for ch in text.lower().translate(table) if ch.isalnum() or ch == ".").strip(".")


class RecordWriter:
    """Bulk-inserts records with consecutive crmids and per-module numbers."""

    def __init__(self, conn: sqlite3.Connection, rng: random.Random) -> None:
        self.conn = conn
        self.rng = rng
        self.next_crmid = 1
        self.numbers: dict[str, int] = {}
        self.entities: list[tuple[object, ...]] = []
        self.rows: dict[str, list[dict[str, object]]] = {}

    def add(self, module: str, owner: int, values: dict[str, object], *, number: int | None = None,
            deleted: bool = False, when: datetime | None = None) -> int:
        mod = module_def(module)
        crmid = self.next_crmid
        self.next_crmid += 1
        row = dict(values)
        if mod.number_field:
            if number is None:
                number = self.numbers.get(module, 0) + 1
                self.numbers[module] = number
            row[mod.number_field] = f"{mod.number_prefix}{number}"
        moment = when or BASE_TIME - timedelta(minutes=self.rng.randrange(0, 60 * 24 * 700))
        stamp = moment.strftime(FORMAT)
        label = " ".join(str(row[f]) for f in mod.label_fields if row.get(f))
        self.entities.append((crmid, module, owner, owner, stamp, stamp, int(deleted), label))
        row["crmid"] = crmid
        self.rows.setdefault(module, []).append(row)
        return crmid

    def flush(self) -> None:
        self.conn.executemany("INSERT INTO crmentity VALUES (?,?,?,?,?,?,?,?)", self.entities)
        for module, rows in self.rows.items():
            mod = module_def(module)
            cols = ["crmid", *(fd.name for fd in mod.fields)]
            defaults = {fd.name: default_for(fd.type) for fd in mod.fields}
            data = [tuple(r.get(c, defaults.get(c)) for c in cols) for r in rows]
            self.conn.executemany(
                f"INSERT INTO {module_table(module)} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",  # noqa: S608
                data)
        for mod in MODULES:
            if mod.number_field:
                top = max([self.numbers.get(mod.name, 0), *self._explicit_numbers(mod)])
                self.conn.execute("UPDATE modules SET number_next = ? WHERE name = ?", (top + 1, mod.name))
        self.conn.execute("INSERT OR REPLACE INTO sqlite_sequence (name, seq) VALUES ('crmentity', ?)",
                          (self.next_crmid - 1,))
        self.entities.clear()
        self.rows.clear()

    def _explicit_numbers(self, mod: ModuleDef) -> list[int]:
        nums = []
        for r in self.rows.get(mod.name, []):
            value = str(r.get(mod.number_field or "", ""))
            if value.startswith(mod.number_prefix) and value[len(mod.number_prefix):].isdigit():
                nums.append(int(value[len(mod.number_prefix):]))
        return nums


def default_for(type_: str) -> object:
    if type_ in ("reference", "currency"):
        return None
    if type_ in ("integer", "boolean"):
        return 0
    return ""


def seed_security(conn: sqlite3.Connection) -> dict[str, int]:
    """Profiles, roles, users, groups, licence. Returns owner ids by user/group name."""
    profiles = {"Administrator": 1, "Sales": 2, "Support": 3}
    conn.executemany("INSERT INTO profiles VALUES (?, ?)", [(i, n) for n, i in profiles.items()])
    rows = []
    for mod in MODULES:
        rows.append((1, mod.name, 1, 1, 1))
        directory_mod = mod.kind != "entity"
        rows.append((2, mod.name, 1, int(not directory_mod), int(not directory_mod)))
        if mod.name == "Potentials":
            rows.append((3, mod.name, 0, 0, 0))
        else:
            read_only = directory_mod or mod.name in ("Accounts", "Leads")
            rows.append((3, mod.name, 1, int(not read_only), int(not read_only)))
    conn.executemany("INSERT INTO profile_modules VALUES (?,?,?,?,?)", rows)
    conn.executemany("INSERT INTO profile_fields VALUES (?,?,?,0)",
                     [(3, "Accounts", "annual_revenue"), (3, "Contacts", "mobile")])
    for i, (name, parent, profile) in enumerate(ROLES, start=1):
        parent_id = next((j for j, r in enumerate(ROLES, start=1) if r[0] == parent), None)
        conn.execute("INSERT INTO roles VALUES (?,?,?,?)", (i, name, parent_id, profiles[profile]))
    ids: dict[str, int] = {}
    for username, first, last, role, lang, tz, _desc, _enabled in DEMO_USERS:
        email = "admin@acme-crm.example" if username == "admin" else f"{first.lower()}.{last.lower()}@acme-crm.example"
        ids[username] = create_user(
            conn, username, f"{username}123", first_name=first, last_name=last, email=email, role=role,
            is_admin=username == "admin", language=lang, time_zone=tz,
            otp_secret=GIULIA_OTP_SECRET if username == "giulia" else None,
            password_hash=hash_password(f"{username}123"),
        )
    ids["Sales Team"] = create_group(conn, "Sales Team", [ids["anna"], ids["marco"], ids["giulia"]])
    ids["Support Team"] = create_group(conn, "Support Team", [ids["sara"], ids["luca"]])
    conn.execute("INSERT INTO licence VALUES (1, 'ACME CRM', '', 'active', '2027-03-31', 5)")
    enabled = [u[0] for u in DEMO_USERS if u[7]]
    conn.executemany("INSERT INTO licence_users VALUES (?, ?)", [(ids[u], i) for i, u in enumerate(enabled)])
    return ids


def seed_anchors(w: RecordWriter, ids: dict[str, int]) -> None:
    anna, marco, sara, giulia = ids["anna"], ids["marco"], ids["sara"], ids["giulia"]
    rossi = w.add("Accounts", anna, {"accountname": "Rossi Costruzioni S.r.l.", "email1": "info@rossicostruzioni.it",
                                     "phone": "+39 02 1234567", "website": "www.rossicostruzioni.it",
                                     "industry": "Construction", "city": "Milano", "annual_revenue": 4200000.0})
    smith = w.add("Accounts", marco, {"accountname": "Smith & Partners Ltd", "email1": "office@smithpartners.co.uk",
                                      "phone": "+44 20 7946 0000", "industry": "Consulting", "city": "London",
                                      "annual_revenue": 1850000.0})
    mario = w.add("Contacts", anna, {"firstname": "Mario", "lastname": "Rossi", "email": "mario.rossi@example.it",
                                     "phone": "+39 02 1234568", "mobile": "+39 333 1234567", "title": "CEO",
                                     "account_id": rossi, "mailingcity": "Milano"})
    w.add("Contacts", marco, {"firstname": "John", "lastname": "Smith", "email": "john.smith@example.com",
                              "phone": "+44 20 7946 0001", "title": "Managing Partner", "account_id": smith,
                              "mailingcity": "London"})
    w.add("Leads", marco, {"firstname": "Laura", "lastname": "Bianchi", "company": "Bianchi Design",
                           "email": "laura.bianchi@example.org", "leadstatus": "New", "leadsource": "Web Site",
                           "city": "Torino"})
    w.add("HelpDesk", sara, {"ticket_title": "Printer not working", "parent_id": rossi, "contact_id": mario,
                             "ticketstatus": "Open", "ticketpriorities": "High",
                             "description": "The office printer on the 2nd floor shows error E-42."}, number=1042)
    w.add("Contacts", ids["Support Team"], {"firstname": "Giorgio", "lastname": "Verdi",
                                            "email": "giorgio.verdi@example.it", "mailingcity": "Verona"})
    w.add("Contacts", anna, {"firstname": "Paolo", "lastname": "Neri", "email": "paolo.neri@example.net"})
    w.add("Leads", anna, {"firstname": "Paolo", "lastname": "Neri", "company": "Neri Consulting",
                          "email": "Paolo.Neri@example.net", "leadstatus": "Contacted"})
    w.add("Accounts", anna, {"accountname": "Neri Consulting", "email1": "paolo.neri@example.net",
                             "industry": "Consulting", "city": "Padova"})
    w.add("Projects", anna, {"projectname": "Neri website", "email": "paolo.neri@example.net",
                             "projectstatus": "initiated"})
    w.add("Potentials", anna, {"potentialname": "Rossi Costruzioni - new HQ", "related_to": rossi,
                               "amount": 250000.0, "sales_stage": "Proposal", "closingdate": "2026-06-30"})
    w.add("Projects", anna, {"projectname": "Rossi HQ renovation", "email": "project.rossi@example.it",
                             "linktoaccountscontacts": rossi, "projectstatus": "in progress",
                             "startdate": "2025-10-01", "targetenddate": "2026-09-30"})
    w.add("Contacts", anna, {"firstname": "Deleted", "lastname": "Person", "email": "deleted.person@example.it"},
          deleted=True)
    w.add("Contacts", giulia, {"firstname": "Marta", "lastname": "Gallo", "email": "marta.gallo@example.it"})
    for first, last, email in HOSTILE:
        w.add("Contacts", ids["Sales Team"], {"firstname": first, "lastname": last, "email": email})


T = TypeVar("T")


def pick(rng: random.Random, items: Sequence[T]) -> T:
    return items[rng.randrange(len(items))]


def seed_generated(w: RecordWriter, ids: dict[str, int], rng: random.Random) -> None:
    owners = [ids[u] for u in ("anna", "marco", "giulia", "sara", "luca", "admin")]
    owners += [ids["Sales Team"], ids["Support Team"]]
    accounts: list[int] = []
    contacts: list[int] = []
    for i in range(300):
        italian = rng.random() < 0.6
        root = pick(rng, COMPANY_ROOTS)
        kind = pick(rng, COMPANY_KINDS_IT if italian else COMPANY_KINDS_EN)
        suffix = pick(rng, ("S.r.l.", "S.p.A.", "S.n.c.") if italian else ("Ltd", "Plc", "LLP"))
        name = f"{root} {kind} {suffix}" if i < 150 else f"{root} {kind} {i} {suffix}"
        domain = f"{slug(root)}{slug(kind)}{i}.{'it' if italian else 'co.uk'}"
        accounts.append(w.add("Accounts", pick(rng, owners), {
            "accountname": name, "email1": f"info@{domain}", "email2": f"sales@{domain}" if i % 3 == 0 else "",
            "phone": f"+39 0{rng.randrange(10, 99)} {rng.randrange(100000, 999999)}" if italian
            else f"+44 20 {rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)}",
            "website": f"www.{domain}", "industry": pick(rng, ("Banking", "Construction", "Consulting", "Energy",
                                                               "Food", "Manufacturing", "Retail", "Technology")),
            "city": pick(rng, CITIES), "annual_revenue": float(rng.randrange(100, 50000) * 1000),
        }))
    for i in range(800):
        italian = rng.random() < 0.6
        first = pick(rng, FIRST_IT if italian else FIRST_EN)
        last = pick(rng, LAST_IT if italian else LAST_EN)
        account = accounts[rng.randrange(len(accounts))] if rng.random() < 0.8 else None
        contacts.append(w.add("Contacts", pick(rng, owners), {
            "firstname": first, "lastname": last,
            "email": f"{slug(first)}.{slug(last)}{i}@example.{'it' if italian else 'com'}",
            "secondaryemail": f"{slug(first)[0]}{slug(last)}{i}@mail.example.net" if i % 5 == 0 else "",
            "phone": f"+39 0{rng.randrange(10, 99)} {rng.randrange(100000, 999999)}",
            "mobile": f"+39 3{rng.randrange(10, 99)} {rng.randrange(1000000, 9999999)}",
            "title": pick(rng, ("CEO", "CFO", "Buyer", "Sales Manager", "Office Manager", "IT Manager", "")),
            "account_id": account, "mailingcity": pick(rng, CITIES),
        }))
    for i in range(400):
        italian = rng.random() < 0.6
        first = pick(rng, FIRST_IT if italian else FIRST_EN)
        last = pick(rng, LAST_IT if italian else LAST_EN)
        w.add("Leads", pick(rng, owners), {
            "firstname": first, "lastname": last,
            "company": f"{pick(rng, COMPANY_ROOTS)} {pick(rng, COMPANY_KINDS_IT if italian else COMPANY_KINDS_EN)}",
            "email": f"{slug(first)}.{slug(last)}.lead{i}@example.{'it' if italian else 'org'}",
            "phone": f"+39 0{rng.randrange(10, 99)} {rng.randrange(100000, 999999)}",
            "leadstatus": pick(rng, ("New", "Contacted", "Qualified", "Not Qualified")),
            "leadsource": pick(rng, ("Web Site", "Trade Show", "Cold Call", "Partner", "Email")),
            "city": pick(rng, CITIES),
        })
    for i in range(300):
        account = accounts[rng.randrange(len(accounts))]
        w.add("Potentials", pick(rng, owners), {
            "potentialname": f"{pick(rng, ('Fornitura', 'Renewal', 'Upgrade', 'New project', 'Manutenzione'))} {i + 1}",
            "related_to": account, "amount": float(rng.randrange(5, 500) * 500),
            "sales_stage": pick(rng, ("Prospecting", "Qualification", "Proposal", "Negotiation", "Closed Won")),
            "closingdate": (BASE_TIME + timedelta(days=rng.randrange(-200, 300))).strftime("%Y-%m-%d"),
        })
    for _ in range(400):
        w.add("HelpDesk", pick(rng, owners), {
            "ticket_title": pick(rng, TICKET_TITLES), "parent_id": accounts[rng.randrange(len(accounts))],
            "contact_id": contacts[rng.randrange(len(contacts))] if rng.random() < 0.7 else None,
            "ticketstatus": pick(rng, ("Open", "In Progress", "Wait For Response", "Closed")),
            "ticketpriorities": pick(rng, ("Low", "Normal", "High", "Urgent")),
        })
    for i in range(150):
        w.add("Projects", pick(rng, owners), {
            "projectname": f"{pick(rng, PROJECT_WORDS)} {i + 1}",
            "linktoaccountscontacts": accounts[rng.randrange(len(accounts))],
            "email": f"project{i + 1}@projects.example.it" if i % 2 == 0 else "",
            "projectstatus": pick(rng, ("prospecting", "initiated", "in progress", "completed")),
            "startdate": (BASE_TIME - timedelta(days=rng.randrange(0, 400))).strftime("%Y-%m-%d"),
        })


def seed_demo(conn: sqlite3.Connection) -> None:
    """Everything a fresh demo CRM holds. Runs inside the caller's transaction."""
    rng = random.Random(SEED)
    ids = seed_security(conn)
    writer = RecordWriter(conn, rng)
    seed_anchors(writer, ids)
    seed_generated(writer, ids, rng)
    writer.flush()
