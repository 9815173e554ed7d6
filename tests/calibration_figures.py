"""The scoping report's 2017/18 figures (docs/calibration.md), as the tests read them.

Kept apart from the generator's own targets (``mash_demo/targets.py``) so that
a wrong target there fails the tests instead of passing its own check.
"""

# In-scope contacts and referrals by agency type: (total, referrals).
AGENCY_TYPES = {
    "Legal services": (1950, 175),
    "External sources": (1006, 105),
    "Housing or housing association": (635, 98),
    "Health services": (3794, 765),
    "Other (VCS)": (1067, 230),
    "Police": (4577, 1003),
    "Schools": (5068, 1242),
    "Education services": (544, 142),
    "LA services": (1526, 435),
}

# Contacts and referrals (all referrers) by the child's district.
DISTRICTS = {
    "Warwick": 5473,
    "North Warwickshire": 3187,
    "Nuneaton and Bedworth": 6265,
    "Rugby": 3888,
    "Stratford-on-Avon": 3104,
}
