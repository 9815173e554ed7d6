"""The figures the demo world is calibrated to (docs/calibration.md) and the
assumptions that turn them into monthly volumes.

The baseline academic year (2017/18) reproduces the scoping report; later years drift by
the growth factors below.
"""

from datetime import date

EPOCH = date(2017, 9, 1)
BASELINE_YEAR = 2017
MENU_CHANGE = date(2019, 1, 14)
# The case system's new export (snake_case headers, ISO dates, is_referral, call_reference).
NEW_CASE_SYSTEM = date(2018, 9, 1)

SCHOOLS = "Schools"
INDIVIDUAL = "Individual"
UNKNOWN = "Unknown"

# In-scope contacts and referrals by agency type: (total, referrals), calibration.md.
AGENCY_TYPE_TOTALS = {
    "Legal services": (1950, 175),
    "External sources": (1006, 105),
    "Housing or housing association": (635, 98),
    "Health services": (3794, 765),
    "Other (VCS)": (1067, 230),
    "Police": (4577, 1003),
    SCHOOLS: (5068, 1242),
    "Education services": (544, 142),
    "LA services": (1526, 435),
}
INDIVIDUAL_TOTAL = 4759
UNKNOWN_TOTAL = 24

# The type table's referrals (4,195) were counted later than the headline 4,065; scaling
# in-scope referral shares by this factor and adding the individuals' few referrals lands
# the all-referrer count between the two (about 4,130).
REFERRAL_SCALE = 0.975
INDIVIDUAL_REFERRAL_RATE = 0.0085
UNKNOWN_REFERRAL_RATE = 0.1

# Channel mix: (phone share, email share of the rest) for contacts and for referrals.
# Chosen so that all contacts split 44% phone / 41% email / 15% other and in-scope phone
# contacts (not referrals) come 48.2% from schools, 21.4% health, 6.7% police.
CHANNEL_MIX = {
    SCHOOLS: {False: (0.737, 0.68), True: (0.45, 0.7)},
    "Health services": {False: (0.414, 0.74), True: (0.30, 0.72)},
    "Police": {False: (0.110, 0.79), True: (0.08, 0.78)},
    "Legal services": {False: (0.20, 0.78), True: (0.30, 0.75)},
    "External sources": {False: (0.22, 0.85), True: (0.30, 0.8)},
    "Housing or housing association": {False: (0.35, 0.75), True: (0.30, 0.75)},
    "Other (VCS)": {False: (0.30, 0.7), True: (0.30, 0.7)},
    "Education services": {False: (0.35, 0.75), True: (0.30, 0.75)},
    "LA services": {False: (0.22, 0.76), True: (0.30, 0.75)},
    UNKNOWN: {False: (0.5, 0.6), True: (0.5, 0.6)},
    INDIVIDUAL: {False: (0.814, 0.43), True: (0.9, 0.5)},
}

# Child's district: contacts and referrals from all referrers, calibration.md.
DISTRICT_TOTALS = {
    "Warwick": 5473,
    "North Warwickshire": 3187,
    "Nuneaton and Bedworth": 6265,
    "Rugby": 3888,
    "Stratford-on-Avon": 3104,
    "Out of County": 2150,
    "": 859,
}

# Schools: referring schools in the baseline year, calibration.md. NEIGHBOUR_SHARE is the
# share of school contacts from other local authorities' schools (an assumption).
SCHOOL_TARGETS = {"refs": 440.7, "sd": 26.0, "known_pupils": 198.0, "r_pupils": 0.5, "r_fsm": 0.4}
SCHOOL_NEIGHBOUR_SHARE = 0.2

# Annual growth after the baseline year, by agency type.
GROWTH = {
    SCHOOLS: 1.05,
    "Police": 1.02,
    "Health services": 1.06,
    "Legal services": 0.98,
    "External sources": 1.03,
    "Housing or housing association": 1.04,
    "Other (VCS)": 1.05,
    "Education services": 1.04,
    "LA services": 1.08,
    INDIVIDUAL: 0.97,
    UNKNOWN: 1.0,
}
# From the menu change, this share of professionals' phone contacts (not referrals) is
# settled as advice by the Customer Service Centre instead of becoming a MASH contact.
MENU_CHANGE_DIVERTED = 0.1

# Share of final referrals first recorded as contacts, and of final contacts first
# recorded as referrals; the change arrives in the next month's extract.
BECAME_REFERRAL = 0.05
STOPPED_BEING_REFERRAL = 0.004

# Calls that never became a contact, per phone contact of the month.
ADVICE_CALLS_PER_PROFESSIONAL_PHONE_CONTACT = 1.0
EXISTING_CASE_CALLS_PER_PHONE_CONTACT = 0.5
PUBLIC_CALLS_PER_INDIVIDUAL_PHONE_CONTACT = 0.35
ABANDONED_SHARE = {False: 0.12, True: 0.08}  # before / after the menu change
VOICEMAIL_SHARE = 0.02


def referral_rate(agency_type: str) -> float:
    if agency_type == INDIVIDUAL:
        return INDIVIDUAL_REFERRAL_RATE
    if agency_type == UNKNOWN:
        return UNKNOWN_REFERRAL_RATE
    total, referrals = AGENCY_TYPE_TOTALS[agency_type]
    return REFERRAL_SCALE * referrals / total


def annual_total(agency_type: str, academic_year: int) -> float:
    if agency_type == INDIVIDUAL:
        base = INDIVIDUAL_TOTAL
    elif agency_type == UNKNOWN:
        base = UNKNOWN_TOTAL
    else:
        base = AGENCY_TYPE_TOTALS[agency_type][0]
    return base * GROWTH[agency_type] ** max(academic_year - BASELINE_YEAR, 0)
