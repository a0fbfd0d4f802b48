"""Reference data of the simulated marketplace: markets, room types, countries and
names, the platforms and event types, what URLs, referrers and user agents look
like, client time zones, the audience's hours, the experiments and the statuses."""

from __future__ import annotations

import numpy as np

MARKETS = ("Paris", "London", "New York", "Rome", "Berlin", "Lisbon", "Tokyo", "Sao Paulo", "Mexico City", "Cape Town", "Barcelona")
NEW_MARKET = MARKETS.index("Barcelona")
SAO_PAULO = MARKETS.index("Sao Paulo")
MARKET_WEIGHTS = np.array([16, 14, 15, 9, 8, 7, 10, 7, 7, 7, 8], dtype=float)
MARKET_PRICE_USD = np.array([160, 170, 210, 130, 110, 100, 150, 70, 75, 90, 140], dtype=float)
MARKET_SLUGS = tuple(name.lower().replace(" ", "-") for name in MARKETS)


def _market_variants(name: str) -> tuple[str, ...]:
    """The canonical name first, then spellings upstream really sends for it."""
    doubled = name.replace(" ", "  ") if " " in name else name + "  "
    return (
        name,
        name.lower(),
        name.upper(),
        f" {name} ",
        f" {name.lower()} ",
        doubled,
        doubled.upper() if " " in name else f"  {name.upper()}",
    )


MARKET_TEXTS = tuple(_market_variants(name) for name in MARKETS)

ROOM_TYPES = ("entire_home", "private_room", "shared_room", "treehouse")
TREEHOUSE = ROOM_TYPES.index("treehouse")
ROOM_WEIGHTS = np.array([60, 32, 8, 4], dtype=float)
ROOM_PRICE_FACTOR = np.array([1.0, 0.55, 0.3, 1.3])

COUNTRIES = ("US", "GB", "FR", "DE", "IT", "ES", "BR", "JP", "MX", "PT", "ZA", "NL", "CA", "AU", "IE", "CH")
COUNTRY_WEIGHTS = np.array([20, 10, 10, 9, 6, 6, 6, 6, 5, 4, 3, 4, 5, 3, 2, 1], dtype=float)

# fmt: off
FIRST_NAMES = (
    "james", "mary", "john", "patricia", "robert", "jennifer", "michael", "linda", "william", "elizabeth",
    "david", "barbara", "richard", "susan", "joseph", "jessica", "thomas", "sarah", "charles", "karen",
    "lucas", "emma", "hugo", "chloe", "mateo", "sofia", "leon", "mia", "luca", "giulia",
    "joao", "ana", "kenji", "yuki", "diego", "camila", "thabo", "naledi", "noah", "olivia",
)
LAST_NAMES = (
    "smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez", "martinez",
    "wilson", "anderson", "taylor", "thomas", "moore", "martin", "jackson", "white", "harris", "clark",
    "dubois", "moreau", "muller", "schmidt", "rossi", "russo", "silva", "santos", "costa", "ferreira",
    "tanaka", "sato", "suzuki", "hernandez", "lopez", "gonzalez", "nkosi", "dlamini", "oconnor", "murphy",
)
# fmt: on
EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com")
EMAIL_DOMAIN_WEIGHTS = np.array([55, 20, 15, 10], dtype=float)

PLATFORMS = ("web", "ios", "android")
EVENT_TYPES = ("page_view", "page_exit", "like", "unlike", "share")
UNKNOWN_EVENT_TYPES = ("video_play", "map_open", "wishlist_add", "review_expand")
ALL_EVENT_TYPES = EVENT_TYPES + UNKNOWN_EVENT_TYPES
SHARE_CHANNELS = ("twitter", "facebook", "email", "copy_link")
SHARE_WEIGHTS = np.array([20, 20, 25, 35], dtype=float)

URL_HOSTS = (
    "https://www.stayhub.example",
    "https://stayhub.example",
    "https://WWW.StayHub.example",
    "https://Stayhub.Example",
    "https://WWW.STAYHUB.EXAMPLE",
    "https://www.StayHub.Example",
)
HOST_WEIGHTS = np.array([55, 30, 5, 4, 3, 3], dtype=float)
OTHER_PAGES = ("/help", "/account", "/wishlists", "/trips", "/help/article/2931", "/host/homes")
ROOM_SUBPATHS = ("", "/photos", "/reviews", "/amenities")
URL_FRAGMENTS = ("", "#photos", "#reviews", "#amenities", "#location", "#top")
LISTING_SOURCES = ("search", "wishlist", "share", "map")
UTM_SOURCES = ("google", "newsletter", "facebook", "partner_blog")
UTM_MEDIUMS = ("cpc", "email", "social", "referral")
UTM_CAMPAIGNS = ("spring_sale", "summer%202025", "winter-getaway", "brand", "city%20breaks")
EXTERNAL_REFERRERS = (
    "https://www.google.com/",
    "https://www.bing.com/",
    "https://l.facebook.com/",
    "https://t.co/",
    "https://www.instagram.com/",
    "https://duckduckgo.com/",
    "https://news.ycombinator.com/",
)
REFERRER_WEIGHTS = np.array([45, 8, 15, 8, 10, 6, 8], dtype=float)

WEB_USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
)
IOS_USER_AGENTS = (
    "StayHub/5.14.0 (iPhone; iOS 18.1.1; Scale/3.00)",
    "StayHub/5.14.0 (iPad; iOS 17.6.1; Scale/2.00)",
    "StayHub/5.13.2 (iPhone; iOS 17.7; Scale/3.00)",
)
IOS_LEGACY_USER_AGENTS = (
    "StayHub/4.9.1 (iPhone; iOS 15.8; Scale/2.00)",
    "StayHub/4.7.0 (iPhone; iOS 14.8.1; Scale/2.00)",
)
ANDROID_USER_AGENTS = (
    "StayHub/5.14.0 (Android 14; SM-S921B; okhttp/4.12.0)",
    "StayHub/5.14.0 (Android 15; Pixel 9; okhttp/4.12.0)",
    "StayHub/5.13.1 (Android 13; moto g84 5G; okhttp/4.11.0)",
)
ANDROID_LEGACY_USER_AGENTS = (
    "StayHub/4.9.0 (Android 11; SM-A515F; okhttp/3.14.9)",
    "StayHub/4.6.2 (Android 10; Redmi Note 8; okhttp/3.12.1)",
)
CRAWLER_USER_AGENTS = (
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",  # noqa: E501
    "Mozilla/5.0 (compatible; GOOGLEBOT/2.1)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "python-requests/2.31.0",
    "Python-Requests/2.28.2",
    "curl/8.1.2",
    "CURL/7.88.1",
    "Wget/1.21.4",
    "wget/1.21.3 (linux-gnu)",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.6099.109 Safari/537.36",
)
CRAWLER_WEIGHTS = np.array([20, 10, 3, 12, 5, 8, 5, 8, 3, 6, 2, 5, 3, 10], dtype=float)
USER_AGENTS = WEB_USER_AGENTS + IOS_USER_AGENTS + IOS_LEGACY_USER_AGENTS + ANDROID_USER_AGENTS + ANDROID_LEGACY_USER_AGENTS + CRAWLER_USER_AGENTS


def _ua_range(group: tuple[str, ...]) -> tuple[int, int]:
    start = USER_AGENTS.index(group[0])
    return start, start + len(group)


UA_WEB = _ua_range(WEB_USER_AGENTS)
UA_IOS = _ua_range(IOS_USER_AGENTS)
UA_IOS_LEGACY = _ua_range(IOS_LEGACY_USER_AGENTS)
UA_ANDROID = _ua_range(ANDROID_USER_AGENTS)
UA_ANDROID_LEGACY = _ua_range(ANDROID_LEGACY_USER_AGENTS)
UA_CRAWLER = _ua_range(CRAWLER_USER_AGENTS)

# Client time-zone offsets in minutes, for timestamps written with an offset.
OFFSETS_MIN = np.array([0, 60, 120, -300, -240, -180, -360, 540, 330, -480, 600])
OFFSET_WEIGHTS = np.array([14, 22, 8, 16, 6, 8, 6, 6, 4, 6, 4], dtype=float)
# Sessions started per UTC hour (a world-wide audience, weighted to Europe and the Americas).
_DIURNAL = np.array([3, 2.5, 2, 2, 2, 2.5, 3.5, 5, 6, 6.5, 7, 7, 7, 7, 7.5, 8, 8, 8, 8, 7.5, 7, 6, 5, 4])
DIURNAL_P = _DIURNAL / _DIURNAL.sum()
WEEKDAY_FACTOR = (0.96, 0.94, 0.95, 0.98, 1.04, 1.10, 1.03)  # Monday .. Sunday

EXPERIMENTS = (
    # key, variants, platforms (codes), first day index, exposure probability per logged-in visit
    ("search_ranking_v2", ("control", "treatment"), (0, 1, 2), 0, 0.7),
    ("checkout_flow_2025", ("control", "treatment_a", "treatment_b"), (0, 1, 2), 0, 0.35),
    ("photo_grid_mobile", ("control", "treatment"), (1, 2), 2, 0.6),
)

BOOKING_STATUSES = ("requested", "confirmed", "cancelled")
USER_STATUSES = ("active", "deactivated")
