"""Passages of a small site for the training-pairs tests (a fresh list each call)."""


def site_passages():
    rows = [
        (
            "/services/",
            "pricing",
            "Pricing",
            "Services — Bambicim",
            "Pricing. Projects start at €2,500. Small fixes are billed at €60 per hour.",
        ),
        (
            "/services/",
            "timelines",
            "Timelines",
            "Services — Bambicim",
            "Timelines. Most landing pages ship in 2 weeks; full web apps take 6 to 12 weeks.",
        ),
        (
            "/privacy/",
            "cookies",
            "Cookies",
            "Privacy Policy — Bambicim",
            "Cookies. We use only two cookies: a session cookie that holds your inventory, "
            "and a CSRF cookie that protects forms.",
        ),
        (
            "/privacy/",
            "hosting",
            "Hosting",
            "Privacy Policy — Bambicim",
            "Hosting. The site and its data are hosted in the EU.",
        ),
        (
            "/about/",
            "our-story",
            "Our story",
            "About — Bambicim",
            "Our story. Bambicim began in 2023 as a notebook of weekend experiments in Ljubljana.",
        ),
        (
            "/about/",
            "our-story",
            "Our story",
            "About — Bambicim",
            "Today Bambicim is Bambi plus a rotating crew of freelance friends.",
        ),
        (
            "/game/back-home/",
            "what-do-you-do",
            "What do you do?",
            "Back home — Bambi Game — Bambicim",
            "What do you do? Lay out your finds. Make a cup of tea and smile.",
        ),
        (
            "/terms/",
            "bambi-game",
            "Bambi Game",
            "Terms & Conditions — Bambicim",
            "Bambi Game. The Bambi Game is free to play, with no purchases.",
        ),
        (
            "/game/",
            "",
            "Bambi Game",
            "Bambi Game — Bambicim",
            "Bambi Game. Bambi Game is a tiny dress-up adventure: try on looks.",
        ),
        (
            "/contact/",
            "email-us",
            "Write to us",
            "Contact — Bambicim",
            "Write to us. Prefer email? Write to hello@bambicim.com.",
        ),
    ]
    return [
        {
            "id": i,
            "url": u,
            "anchor": a,
            "heading": h,
            "title": t,
            "text": x,
            "urls": [u],
            "position": i,
        }
        for i, (u, a, h, t, x) in enumerate(rows)
    ]
