"""A small, hand-computable MASH data set: raw rows and the matches for its referrer names.

Contacts (latest versions): 2017/18 has C1-C6, C8-C10; 2018/19 has C7, C11, C12.
Calls K1-K7 cover 2018-09 to 2019-02, either side of the menu change on 2019-01-14.
Schools: 100001 Abbey, 100002 Brook (converted to academy 140002 on 2018-04-01),
100003 (a neighbouring LA), 100006 and 100007 (sharing one number), and two dropped by
staging: 100004 (LA not configured) and 100005 (closed before the data window).

The council is the configured profile's: its LA code and first neighbour, and five of its
districts (A to E, none of whose contacts name E).
"""

import csv
from dataclasses import dataclass

from dagster_project.council import load_profile

PROFILE = load_profile()
HOME_LA, NEIGHBOUR = PROFILE.home.la_code, PROFILE.neighbours[0]
DISTRICT_A, DISTRICT_B, DISTRICT_C, DISTRICT_D, DISTRICT_E = PROFILE.district_names[:5]
#: District D as a case system may type it: other case, spaces for punctuation.
TYPED_DISTRICT_D = DISTRICT_D.upper().replace("-", " ")
#: A town (GIAS Town) and the police as referrers name them; neither is on any register.
TOWN = "Eastfield"
POLICE_REFERRER = "County Police"

CONTACTS_2018 = "contacts/contacts_2018.csv"
CONTACTS_2019 = "contacts/contacts_2019.csv"
CALLS_2018 = "calls/calls_2018.csv"
CALLS_2019 = "calls/calls_2019.csv"
REGISTER_2018 = "schools/edubasealldata20180901.csv"
REGISTER_2019 = "schools/edubasealldata20190901.csv"
LINKS_2019 = "schools/links_edubasealldata20190901.csv"


@dataclass(frozen=True)
class Agency:
    agency_id: str
    agency_type: str
    telephone: str


def seeded_agency(agency_type: str) -> Agency:
    """The first agency of that type with a telephone in the council's agency register."""
    with load_profile().agency_register.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["agency_type"] == agency_type and (row.get("telephone") or "").strip():
                return Agency(row["agency_id"], row["agency_type"], row["telephone"])
    raise LookupError(f"the agency register has no {agency_type} agency with a telephone")


def digits_national(number: str) -> str:
    """A number as ingestion stores it: digits only, +44 (0) made national."""
    digits = "".join(ch for ch in number.replace("(0)", "") if ch.isdigit())
    return "0" + digits[2:] if digits.startswith("44") else digits


def _contact(contact_id, contact_at, method, referrer_type, outcome, file, row, **extra):
    return {
        "contact_id": contact_id,
        "child_key": f"child-{contact_id.lower()}",
        "contact_at": contact_at,
        "contact_method": method,
        "referrer_type": referrer_type,
        "contact_outcome": outcome,
        "source_file": file,
        "source_row": row,
        **extra,
    }


def contacts() -> list[dict]:
    c18, c19 = CONTACTS_2018, CONTACTS_2019
    return [
        _contact(
            "C1",
            "2017-09-15 09:30",
            "Telephone",
            "2A - Schools",
            "NFA",
            c18,
            2,
            referrer_name="Mrs A Smith (DSL) - Abbey Primary",
            referrer_address=f"1 High Street, {TOWN}",
            child_district=DISTRICT_A,
        ),
        # C2 was a contact, then became a referral (later record_updated_at, later file)
        _contact(
            "C2",
            "2017-10-02 11:00",
            "Email",
            "School",
            "Information and Advice",
            c18,
            3,
            referrer_name="Brook  Secondary ",
            child_district=DISTRICT_B,
            record_updated_at="2017-10-02 12:00",
        ),
        _contact(
            "C2",
            "2017-10-02 11:00",
            "Email",
            "School",
            "Referral to CSC - Single Assessment",
            c19,
            2,
            referrer_name="Brook  Secondary ",
            child_district=DISTRICT_B,
            record_updated_at="2017-10-05 09:00",
        ),
        _contact(
            "C3",
            "2017-11-20 14:00",
            "Tel",
            "6",
            "Strategy Discussion",
            c18,
            4,
            referrer_name=POLICE_REFERRER,
            child_district=DISTRICT_C,
        ),
        # the recorded flag (N) outranks a referral outcome
        _contact(
            "C4",
            "2018-01-10 10:00",
            "Online Form",
            "Health - GP",
            "Referral to CSC - Single Assessment",
            c18,
            5,
            is_referral="N",
            referrer_name="Dr Who Surgery",
            child_district=TYPED_DISTRICT_D,
        ),
        _contact(
            "C5",
            "2018-02-01 16:00",
            "Phone",
            "Family Member",
            "NFA",
            c18,
            6,
            referrer_name="John Smith",
            child_district="Out of County",
        ),
        _contact(
            "C6",
            "2018-03-05 08:00",
            "E-mail",
            "Pigeon Fanciers",
            "NFA",
            c18,
            7,
            is_referral="Yes",
            referrer_name="Pigeon Fanciers Club",
            child_district=" ",
        ),
        # C8: no record_updated_at in either file: the later file wins
        _contact(
            "C8",
            "2018-04-16 10:00",
            "Email",
            "2A",
            "NFA",
            c18,
            8,
            referrer_name="Abbey Primary",
            child_district=DISTRICT_A,
        ),
        _contact(
            "C8",
            "2018-04-16 10:00",
            "Letter",
            "2A",
            "Single Assessment",
            c19,
            3,
            referrer_name="Abbey Primary",
            child_district=DISTRICT_A,
        ),
        # C9: the earlier file has the newer record_updated_at, and wins
        _contact(
            "C9",
            "2018-05-01 09:00",
            "Telephone",
            "Schools",
            "NFA",
            c18,
            9,
            referrer_name="Brook Academy",
            child_district=DISTRICT_B,
            record_updated_at="2018-05-03 10:00",
        ),
        _contact(
            "C9",
            "2018-05-01 09:00",
            "Telephone",
            "Schools",
            "Referral to CSC",
            c19,
            4,
            referrer_name="Brook Academy",
            child_district=DISTRICT_B,
            record_updated_at="2018-05-02 10:00",
        ),
        _contact(
            "C10",
            "2018-06-11 12:00",
            "Letter",
            "Anonymous",
            "Already Open Case",
            c18,
            10,
            child_district=DISTRICT_B,
        ),
        _contact(
            "C7",
            "2018-09-10 10:05",
            "Telephone",
            "2A",
            "NFA",
            c19,
            5,
            referrer_name="Abbey   Primary",
            child_district=DISTRICT_A,
            call_reference="K3",
        ),
        _contact(
            "C11",
            "2018-09-12 15:00",
            "Fax",
            "4 - Housing",
            "Step down to Early Help",
            c19,
            6,
            referrer_name="Orbit Housing",
            child_district=DISTRICT_B,
        ),
        # C12 twice in one file, no record_updated_at: the later row wins
        _contact(
            "C12",
            "2018-10-01 09:00",
            "Email",
            "3B",
            "NFA",
            c19,
            7,
            referrer_name="Health Visitor Team",
        ),
        _contact(
            "C12",
            "2018-10-01 09:00",
            "Email",
            "3B",
            "Referral to CSC",
            c19,
            8,
            referrer_name="Health Visitor Team",
        ),
    ]


def _call(call_id, call_start, ivr_option, file, row, **extra):
    return {
        "call_id": call_id,
        "call_start": call_start,
        "ivr_option": ivr_option,
        "caller_key": f"caller-{call_id.lower()}",
        "handling_team": "MASH",
        "wait_seconds": 30,
        "talk_seconds": 300,
        "call_result": "Answered",
        "source_file": file,
        "source_row": row,
        **extra,
    }


def calls(police: Agency) -> list[dict]:
    k18, k19 = CALLS_2018, CALLS_2019
    police_number = digits_national(police.telephone)
    return [
        _call("K1", "2018-12-10 10:00", "2", k18, 2, caller_number="01926111111"),
        _call("K2", "2019-02-01 11:00", "2", k19, 2, caller_number=police_number),
        _call("K3", "2018-09-10 10:00", "1", k18, 3, caller_number="01926111111"),
        _call("K4", "2019-01-14 09:00", "4", k19, 3),
        # K5: the later version (answered) wins; its number arrives in +44 form
        _call(
            "K5",
            "2018-10-03 13:00",
            "1",
            k18,
            4,
            caller_number="+441788222222",
            call_result="Abandoned",
            record_updated_at="2018-10-03 13:05",
        ),
        _call(
            "K5",
            "2018-10-03 13:00",
            "1",
            k19,
            4,
            caller_number="+441788222222",
            call_result="Answered",
            record_updated_at="2018-10-04 09:00",
        ),
        _call("K6", "2019-01-13 17:00", "4", k19, 5, caller_number="02476333333"),
        _call("K7", "2018-11-05 12:00", None, k18, 5, caller_number="01926777777"),
    ]


def _school(urn, name, la_code, file, row, **extra):
    return {
        "urn": urn,
        "establishment_name": name,
        "la_code": la_code,
        "status": "Open",
        "source_file": file,
        "source_row": row,
        **extra,
    }


def schools() -> list[dict]:
    r18, r19 = REGISTER_2018, REGISTER_2019
    return [
        _school(
            100001,
            "Abbey Primary School",
            HOME_LA,
            r18,
            2,
            number_of_pupils=150,
            percentage_fsm=12.5,
            district=DISTRICT_A,
            telephone_num="01926 111111",
        ),
        _school(
            100002,
            "Brook Secondary School",
            HOME_LA,
            r18,
            3,
            number_of_pupils=800,
            percentage_fsm=20.0,
            district=DISTRICT_B,
            telephone_num="01788 222222",
        ),
        _school(
            100003,
            "Station Road School",
            NEIGHBOUR.la_code,
            r18,
            4,
            number_of_pupils=300,
            percentage_fsm=30.0,
            district=NEIGHBOUR.la_name,
            telephone_num="+44 (0)24 7633 3333",
        ),
        _school(100004, "Far Away School", "999", r18, 5, number_of_pupils=100),
        _school(
            100005, "Long Closed School", HOME_LA, r18, 6, status="Closed", close_date="2010-07-31"
        ),
        _school(
            100001,
            "Abbey Primary School",
            HOME_LA,
            r19,
            2,
            number_of_pupils=160,
            percentage_fsm=12.5,
            district=DISTRICT_A,
            telephone_num="01926 111111",
            extra_columns=f'{{"Town": " {TOWN} ", "Street": "Abbey Road"}}',
        ),
        _school(
            100002,
            "Brook Secondary School",
            HOME_LA,
            r19,
            3,
            status="Closed",
            close_date="2018-03-31",
            number_of_pupils=800,
            percentage_fsm=20.0,
            district=DISTRICT_B,
            telephone_num="01788 222222",
        ),
        _school(
            140002,
            "Brook Academy",
            HOME_LA,
            r19,
            4,
            extra_columns='{"Town": ""}',
            open_date="2018-04-01",
            establishment_type="Academy converter",
            number_of_pupils=900,
            percentage_fsm=30.0,
            district=DISTRICT_B,
            telephone_num="+44 1788 222222",
        ),
        _school(
            100006,
            "New Free School",
            HOME_LA,
            r19,
            5,
            district=DISTRICT_A,
            telephone_num="01926 777777",
        ),
        _school(
            100007,
            "Shared Office School",
            HOME_LA,
            r19,
            6,
            number_of_pupils=250,
            percentage_fsm=5.0,
            district=DISTRICT_A,
            telephone_num="01926777777",
        ),
    ]


def school_links() -> list[dict]:
    return [
        {
            "urn": 100002,
            "link_urn": 140002,
            "link_name": "Brook Academy",
            "link_type": "Successor",
            "link_established_date": "2018-04-01",
            "source_file": LINKS_2019,
            "source_row": 2,
        },
        {
            "urn": 140002,
            "link_urn": 100002,
            "link_name": "Brook Secondary School",
            "link_type": "Predecessor",
            "link_established_date": "2018-04-01",
            "source_file": LINKS_2019,
            "source_row": 3,
        },
    ]


def _match(key, agency_type, method, agency_id=None, school_urn=None, score=None):
    return {
        "referrer_name_key": key,
        "agency_type": agency_type,
        "agency_id": agency_id,
        "school_urn": school_urn,
        "match_method": method,
        "match_score": score,
        "in_review": method == "fuzzy",
        "matched_at": "2019-06-01 00:00:00",
    }


def agency_matches(police: Agency) -> list[dict]:
    """Matches for the referrer names; 'pigeon fanciers club' has no row at all."""
    return [
        _match("mrs a smith (dsl) - abbey primary", "Schools", "exact", "SCH100001", 100001, 100),
        # matched to the predecessor URN: the warehouse moves it to the academy
        _match("brook secondary", "Schools", "fuzzy", "SCH100002", 100002, 91),
        _match(POLICE_REFERRER.lower(), "Police", "exact", police.agency_id, None, 100),
        _match("dr who surgery", "Health services", "unmatched"),
        _match("abbey primary", "Schools", "override", "SCH100001", 100001),
        _match("brook academy", "Schools", "exact", "SCH140002", 140002, 100),
        _match("orbit housing", "Housing or housing association", "unmatched"),
        _match("health visitor team", "Health services", "unmatched"),
    ]


def good_data() -> dict[str, list[dict]]:
    police = seeded_agency("Police")
    return {
        "raw.contacts": contacts(),
        "raw.calls": calls(police),
        "raw.schools": schools(),
        "raw.school_links": school_links(),
        "matching.agency_matches": agency_matches(police),
    }


def broken_data() -> dict[str, list[dict]]:
    """The good data plus a second match for one name (fanning its contact out into two
    fct_contacts rows) and a contact by a method the contact_methods seed does not know."""
    data = good_data()
    data["matching.agency_matches"].append(
        _match("brook secondary", "Schools", "fuzzy", "SCH100001", 100001, 88)
    )
    data["raw.contacts"].append(
        _contact(
            "C13",
            "2018-03-20 10:00",
            "Carrier Pigeon",
            "2A",
            "NFA",
            CONTACTS_2019,
            9,
            referrer_name="Abbey Primary",
        )
    )
    return data


WHATSAPP_FILE = "contacts/contacts_2019_06.csv"
SCRUB_CALLS_FILE = "calls/calls_2019_06.csv"
#: Identifiers typed into free-text fields, and what each must never reach past raw.
TYPED_IDENTIFIERS = ("07700 900123", "jo.bloggs@example.org", "CV34 4SA", "CHILD123456")


def unmapped_data() -> dict[str, list[dict]]:
    """The good data plus one contact by a method no seed knows ('WhatsApp'), and a contact
    and a call with telephone numbers, e-mail addresses, postcodes and ids typed into every
    free-text field."""
    data = good_data()
    phone, email, postcode, child_id = TYPED_IDENTIFIERS
    typed = f"ring {phone} or mail {email}, {postcode}, re {child_id}"
    data["raw.contacts"] += [
        _contact(
            "C20",
            "2019-06-03 10:00",
            "WhatsApp",
            "2A",
            "NFA",
            WHATSAPP_FILE,
            2,
            referrer_name="Abbey Primary",
        ),
        _contact(
            "C21",
            "2019-06-04 10:00",
            f"Phone {typed}",
            f"School {typed}",
            f"NFA {typed}",
            WHATSAPP_FILE,
            3,
            referrer_name="Abbey Primary",
            child_ethnicity=typed,
            child_language=typed,
            child_disability=typed,
            child_district=typed,
            responsible_team=f"MASH team {typed}",
        ),
    ]
    data["raw.calls"].append(
        _call(
            "K21",
            "2019-06-04 09:00",
            "1",
            SCRUB_CALLS_FILE,
            2,
            handling_team=f"MASH {typed}",
            call_result=f"Answered {typed}",
            call_outcome=f"Advice given {typed}",
        )
    )
    # Teams Phone records only whether a call succeeded: the call_results seed maps it.
    data["raw.calls"].append(
        _call("K22", "2019-06-04 09:30", "1", "calls/teams_2019_06.csv", 2, call_result="No")
    )
    return data


BAD_FILE = "contacts/contacts_2019_07.csv"


def bad_file_data() -> dict[str, list[dict]]:
    """The good data plus a file whose one row has no child pseudonym: a blocking failure
    that comes from that file's rows alone."""
    data = good_data()
    row = _contact("C30", "2019-07-01 10:00", "Phone", "2A", "NFA", BAD_FILE, 2)
    data["raw.contacts"].append({**row, "child_key": None})
    return data


RESENT_MONTH = "contacts/contacts_2019_03.csv"
RESENT_INCREMENT = "contacts/contacts_2019_04.csv"
#: The contacts of March 2019 the snapshot re-send leaves out.
LEFT_OUT = ("C42", "C43", "C44")


def _month_file(ids, month, file, version, **extra) -> list[dict]:
    """Abbey Primary's telephone contacts, one per id, as version ``version`` of ``file``."""
    return [
        _contact(
            contact_id,
            f"{month}-{day:02d} 10:00",
            "Telephone",
            "2A",
            "NFA",
            file,
            row,
            referrer_name="Abbey Primary",
            source_sha256=version * 32,
            **extra,
        )
        for row, (day, contact_id) in enumerate(enumerate(ids, start=1), start=2)
    ]


def resent_rows() -> dict[str, list[dict]]:
    """Two months sent twice under one name, with no record_updated_at: March 2019 re-sent
    in snapshot mode without three of its six contacts (C41 turned into a referral, on the
    same row), April 2019 re-sent in increment mode with one of its four."""
    march = ("C40", "C41", "C42", "C43", "C44", "C45")
    resent_march = _month_file(
        ("C40", "C41", "C45"),
        "2019-03",
        RESENT_MONTH,
        "3b",
        loaded_at="2019-04-15 02:00:00",
        resend_mode="snapshot",
    )
    resent_march[1]["contact_outcome"] = "Referral to CSC - Single Assessment"
    april = ("C50", "C51", "C52", "C53")
    return {
        "raw.contacts": [
            *_month_file(march, "2019-03", RESENT_MONTH, "3a", loaded_at="2019-04-01 02:00:00"),
            *resent_march,
            *_month_file(april, "2019-04", RESENT_INCREMENT, "4a", loaded_at="2019-05-01 02:00:00"),
            *_month_file(
                ("C50",),
                "2019-04",
                RESENT_INCREMENT,
                "4b",
                loaded_at="2019-05-15 02:00:00",
                resend_mode="increment",
            ),
        ]
    }
