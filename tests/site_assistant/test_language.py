"""site_assistant.language: a question in another language is never respelled, gets the message,
and its language is logged."""

import json
from pathlib import Path

import pytest
from django.utils import translation

from site_assistant import conf, language, services
from site_assistant.api import parsers
from site_assistant.models import Question
from site_assistant.text import WORD

OTHER_LANGUAGES = {
    "Koliko stane spletna stran?": "sl",
    "Wo ist euer Büro": "de",
    "Combien coûte un site web ?": "fr",
    "¿Cuánto cuesta una página web?": "es",
    "Quanto costa un sito?": "it",
    "Ile kosztuje strona internetowa?": "pl",
}


def _rows(name):
    text = Path("tests/data", name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _read(name):
    """The rows of a set of questions, and (the language each is in, the language each is
    declined as or None) as the live index's speller reads it."""
    from site_assistant import index

    speller = services.speller(index.load_current())
    known, site, typo = speller.is_known, speller.is_site_word, speller.is_typo
    rows = _rows(name)
    found = [
        (row["language"], language.other_language(row["question"], known, site, typo))
        for row in rows
    ]
    return rows, found


@pytest.mark.parametrize("question", OTHER_LANGUAGES, ids=list(OTHER_LANGUAGES.values()))
def test_a_question_in_another_language_is_recognised(question):
    assert language.other_language(question) == OTHER_LANGUAGES[question]


@pytest.mark.parametrize(
    ("question", "code"),
    [("网站多少钱？", "zh"), ("ウェブサイトはいくらですか", "ja"), ("เว็บไซต์ราคาเท่าไหร่", "th")],
)
def test_a_question_in_a_script_without_spaces_is_recognised(question, code):
    """Chinese, Japanese or Thai write a question without spaces: one \\w+ run, which the
    two-word rule took for a single word, so it was searched and got game scenes."""
    assert language.other_language(question) == code


def test_a_few_characters_without_spaces_say_too_little():
    assert language.other_language("网站") is None


@pytest.mark.parametrize(
    ("code", "expected"),
    [("de", "German"), ("zh", "Chinese"), ("lij", "Ligurian"), ("sw", "Swahili"), ("xx", "xx")],
)
def test_the_owner_reads_the_languages_name(code, expected):
    assert language.name(code) == expected


def test_no_english_question_of_the_project_sets_is_taken_for_another_language():
    questions = [
        row["question"]
        for name in ("natural_questions.jsonl", "natural_questions_holdout.jsonl")
        for row in _rows(name)
    ]
    questions += [row["query"] for row in _rows("unanswerable_questions.jsonl")]
    questions += ["ok", "test", "gdpr", "wat is ur phone numbr", "cookie policy"]
    assert [q for q in questions if language.other_language(q)] == []


@pytest.mark.django_db
def test_no_english_question_of_the_project_sets_is_kept_from_its_typo_fix(built_index):
    """Typo tolerance leaves a question as typed when its unknown words are confidently
    another language (language.unknown_words_language): never an English question of the
    project's sets whose typos it fixes ("email adress?", "adress?")."""
    from site_assistant import index

    speller = services.speller(index.load_current())
    questions = [row["question"] for row in _rows("natural_questions.jsonl")]
    questions += [row["question"] for row in _rows("natural_questions_holdout.jsonl")]
    questions += [row["query"] for row in _rows("unanswerable_questions.jsonl")]
    questions += [
        r["question"] for r in _rows("short_language_questions.jsonl") if r["language"] == "en"
    ]
    respelled = [q for q in questions if any(speller.correct_word(w) != w for w in WORD.findall(q))]
    assert {"email adress?", "adress?"} <= set(respelled)
    assert [q for q in respelled if language.unknown_words_language(q, speller.is_known)] == []
    assert [q for q in respelled if language.most_likely_other(q, speller.is_site_word)] == []
    assert [q for q in respelled if speller.correct(q) == q] == []
    # What it is for: a visitor's Slovenian left as typed.
    assert language.unknown_words_language("imate kaksne reference", speller.is_known)


def test_detection_can_be_switched_off(settings):
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "DETECT_LANGUAGE": False}
    assert language.other_language("Koliko stane spletna stran?") is None


@pytest.mark.django_db
def test_another_language_is_not_respelled_answered_with_the_message_and_logged(
    built_index, client
):
    result = services.answer("Koliko stane spletna stran?")
    assert result.language == "sl" and result.answer is None
    assert result.corrected is None  # "stane" is never respelled "state"
    assert result.results == []  # its matches would be chance: no "closest" sections
    body = client.get("/api/search/", {"q": "Wo ist euer Büro"}).json()
    assert body["language"] == "de" and body["answer"] is None and body["results"] == []
    # In German: the site leaves LANGUAGES to Django's (every language) and the app's
    # words are German.
    assert body["message"] == "Ich kann nur auf Englisch antworten." and body["contact_url"]
    assert body["message_lang"] == "de"
    assert body["corrected_query"] is None
    logged = Question.objects.get(pk=body["question_id"])
    assert logged.language == "de" and logged.top_url == "" and logged.answered is False
    chinese = client.get("/api/search/", {"q": "网站多少钱？"}).json()
    assert chinese["language"] == "zh" and chinese["results"] == []
    # The app's words are not in Chinese: the page's language.
    assert (chinese["message"], chinese["message_lang"]) == ("I can only answer in English.", "en")
    english = client.get("/api/search/", {"q": "where is your office"}).json()
    assert english["language"] is None and english["message"] is None
    assert english["answer"] is not None
    assert Question.objects.get(pk=english["question_id"]).language == ""


# Two-letter codes the IANA language subtag registry marks Deprecated (each has a
# Preferred-Value): a lang attribute must not carry them.
DEPRECATED = {"in", "iw", "ji", "jw", "mo"}


def test_every_language_a_question_is_logged_in_gets_a_lang_screen_readers_read():
    """The ``lang`` the widget and the search page put on a question in another language
    was its logged code: "sh" for Croatian, Serbian or Bosnian, which screen readers have no
    voice for (it was read in the page's English voice), and "kik" for Kikuyu, which BCP 47
    writes "ki". Every code the identifier can name, as logged, now gives a tag of the
    registry's own form."""
    import pycountry

    assert language.lang_attribute("sh", "Gdje se nalazi vaš ured?") == "hr"
    assert language.lang_attribute("sh", "Где се налази ваша канцеларија?") == "sr"
    assert language.lang_attribute("de", "Wo ist euer Büro?") == "de"
    logged = {language.label(code) for code in language._get_identifier().nb_classes}
    assert "sh" in logged and "kik" in logged
    tags = {code: language.lang_attribute(code, "text") for code in logged}
    assert tags["sh"] == "hr" and tags["kik"] == "ki"
    for code, tag in tags.items():
        assert tag not in DEPRECATED and tag != "sh", code
        found = pycountry.languages.get(**{"alpha_2" if len(tag) == 2 else "alpha_3": tag})
        assert found is not None, code
        assert len(tag) == 2 or not getattr(found, "alpha_2", None), (code, tag)


@pytest.mark.django_db
def test_the_api_names_the_lang_to_mark_a_question_in_another_language_with(built_index, client):
    latin = client.get("/api/search/", {"q": "Gdje se nalazi vaš ured?"}).json()
    assert latin["language"] == "sh" and latin["question_lang"] == "hr"
    cyrillic = client.get("/api/search/", {"q": "Где се налази ваша канцеларија?"}).json()
    assert cyrillic["language"] == "sh" and cyrillic["question_lang"] == "sr"
    german = client.get("/api/search/", {"q": "Wo ist euer Büro"}).json()
    assert german["language"] == german["question_lang"] == "de"
    english = client.get("/api/search/", {"q": "where is your office"}).json()
    assert english["language"] is None and english["question_lang"] is None


@pytest.mark.django_db
def test_visitor_questions_in_fifteen_languages_get_the_message(built_index):
    """tests/data/other_language_questions.jsonl: 100 questions in 15 languages, written by
    someone who had not read this code, a third of two or three words, some without
    diacritics. 96 are caught (95 before a question's unknown words were read alone, "A
    delate tud UX dizajn?": docs/quality.md); a question of one word ("Preise?", German
    at 0.10) is not: one word is another language only when read clearly."""
    from site_assistant import index

    speller = services.speller(index.load_current())
    known, site = speller.is_known, speller.is_site_word
    text = Path("tests/data/other_language_questions.jsonl").read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    found = [
        (row["language"], language.other_language(row["question"], known, site)) for row in rows
    ]
    assert len(rows) == 100
    assert sum(1 for _, code in found if code) >= 96
    # Croatian, Serbian and Bosnian are logged as one ("sh"); Slovenian is the site's
    # local language: 86 were named right before both, 91 before the site's own words
    # were left out of the reading that names it ("kolk stane app?" was Nynorsk).
    assert sum(1 for want, code in found if code == language.label(want)) >= 95


@pytest.mark.django_db
def test_short_visitor_questions_in_twelve_languages(built_index):
    """tests/data/short_language_questions.jsonl: 131 questions of two to six words as a
    Ljubljana studio's visitors type them, in twelve languages, written before this code was
    read. No English one is declined (the worst error: an English visitor gets no answer);
    of the 96 others 92 are declined (89 before a single word read clearly,
    "Öffnungszeiten", counted, 91 before a question's unknown words were read alone), and 86 logged with their language (85 before the
    regional languages' weight, "hablan español?" was Extremaduran), where the
    identifier's own label named 71 (short Slovenian read as Croatian, Croatian as
    Bosnian), the whole question, the site's words too, 80 ("kontaktni email" was
    Uzbek), and the question as typed instead of sentence-cased 84 ("kje ste" was
    Norwegian Nynorsk): `make bench-languages`."""
    rows, found = _read("short_language_questions.jsonl")
    assert len(rows) == 131 and sum(1 for want, _ in found if want == "en") == 35
    assert [(want, code) for want, code in found if want == "en" and code] == []
    others = [(want, code) for want, code in found if want != "en"]
    assert sum(1 for _, code in others if code) >= 92
    assert sum(1 for want, code in others if code == language.label(want)) >= 86


@pytest.mark.django_db
def test_the_owner_reads_short_slovenian_and_croatian_questions_in_their_language(
    built_index, client, django_user_model
):
    """The owner of a studio in Ljubljana read short Slovenian questions as Croatian or
    Serbian in the Questions list, and a Croatian one as Bosnian: the identifier cannot
    tell these apart in a few words. Croatian, Serbian and Bosnian are now one language
    ("sh"), and a question nearly as likely Slovenian, the site's LOCAL_LANGUAGES, is
    Slovenian."""
    from selectolax.lexbor import LexborHTMLParser

    asked = {
        "Koliko stane?": "sl",  # read as Serbian
        "ali nudite gostovanje": "sl",  # read as Croatian
        "koliko košta izrada web stranice": "sh",  # Croatian, read as Bosnian
        "gde se nalazite": "sh",  # Serbian
    }
    told = {"sl": "Odgovarjam lahko samo v angleščini."}  # "sh": no words of the app's
    for question, code in asked.items():
        body = client.get("/api/search/", {"q": question}).json()
        assert body["language"] == code, question
        assert body["message"] == told.get(code, "I can only answer in English.")
        assert body["results"] == []
        assert Question.objects.get(pk=body["question_id"]).language == code
    client.force_login(django_user_model.objects.create_superuser("owner", "o@example.com", "pw"))
    page = client.get("/admin/site_assistant/question/").content.decode()
    choices = [a.text() for a in LexborHTMLParser(page).css("#changelist-filter a")]
    assert "Slovenian (sl)" in choices and "Croatian, Serbian or Bosnian (sh)" in choices
    assert not {"Croatian (hr)", "Serbian (sr)", "Bosnian (bs)"} & set(choices), choices


@pytest.mark.django_db
def test_the_sites_own_words_in_a_question_do_not_name_its_language(built_index, client):
    """A visitor's few words in their language borrow the site's English or its names:
    "email" made "kontaktni email" Uzbek, "web shop" a Croatian question Slovenian, "app"
    a Slovenian one Norwegian Nynorsk, "bambi game" a French one Italian. The language is
    named from the words that are not the site's; whether it is declined, from all."""
    asked = {
        "kontaktni email": "sl",
        "Koliko kosta web shop": "sh",
        "kolk stane app?": "sl",
        "c quoi bambi game": "fr",
    }
    for question, code in asked.items():
        body = client.get("/api/search/", {"q": question}).json()
        assert body["language"] == code, question
        assert body["message"] and body["results"] == []
        assert Question.objects.get(pk=body["question_id"]).language == code
    # Read whole, as before: "email" sways the identifier.
    assert language.other_language("kontaktni email") == "uz"


@pytest.mark.django_db
def test_a_sites_word_of_two_letters_names_the_questions_language_too(built_index, client):
    """The site's words are left out of the reading that names a question's language, but
    "i", "a", "to" are the question's own words as often: without "i", Croatian questions
    were logged Slovenian. Only the site's words of three letters or more are left out."""
    for question in ("radite li i sajtove", "a radite i aplikacije", "a vi ste i dizajneri"):
        body = client.get("/api/search/", {"q": question}).json()
        assert body["language"] == "sh", question
        assert Question.objects.get(pk=body["question_id"]).language == "sh"
    # A longer word of the site is still left out ("kontaktni email" was Uzbek).
    assert client.get("/api/search/", {"q": "kontaktni email"}).json()["language"] == "sl"


@pytest.mark.django_db
def test_a_regional_or_constructed_language_is_named_only_when_clearly_first(built_index, client):
    """In two words the identifier's regional languages win by chance: "hablan español?"
    was logged Extremaduran (0.39, Spanish 0.22). A language without an ISO 639-1 code, or
    no living one, is named only when more than twice as likely as the next; a clear
    reading keeps it."""
    for question in ("hablan español?", "habla español"):
        body = client.get("/api/search/", {"q": question}).json()
        assert body["language"] == "es", question
        assert Question.objects.get(pk=body["question_id"]).language == "es"
    assert services.answer("lorem ipsum dolor sit amet").language == "la"
    assert [language._minor(code) for code in ("ext", "lij", "eo", "la", "zxx")] == [True] * 5
    assert [language._minor(code) for code in ("es", "sl", "hr", "de", "fy")] == [False] * 5


@pytest.mark.django_db
def test_a_question_whose_unknown_words_are_another_language_gets_the_message(built_index, client):
    """One English-looking word kept English above 0.01 in a few words ("reference",
    "online", "a"), and the question was answered in English. Its words the index does not
    know, read alone, are another language by the question's rule: it gets the message.
    An English question whose unknown words read as German is still answered."""
    asked = {"imate kaksne reference": "sh", "dove siete a lubiana": "it"}
    asked["hacen tiendas online?"] = "es"
    for question, code in asked.items():
        body = client.get("/api/search/", {"q": question}).json()
        assert body["language"] == code, question
        assert body["message"] == "I can only answer in English." and body["results"] == []
        assert Question.objects.get(pk=body["question_id"]).language == code
    english = client.get("/api/search/", {"q": "convert 30 degrees Celsius to Fahrenheit"})
    assert english.json()["language"] is None and english.json()["message"] is None


@pytest.mark.django_db
def test_held_out_short_questions_in_other_languages(built_index):
    """tests/data/holdout_language_questions.jsonl: 54 short questions in fourteen languages
    (Croatian, Serbian and Bosnian apart) and 21 English ones as typed in a chat, the first
    44 written before the naming changes, the other 31 before the unknown words were read
    alone, measured before and after (`make bench-languages`): no English one declined,
    50 declined (47 before), 43 named right (40 before)."""
    rows, found = _read("holdout_language_questions.jsonl")
    assert len(rows) == 75
    assert [(want, code) for want, code in found if want == "en" and code] == []
    others = [(want, code) for want, code in found if want != "en"]
    assert sum(1 for _, code in others if code) >= 50
    assert sum(1 for want, code in others if code == language.label(want)) >= 43


def test_without_local_languages_the_identifiers_language_is_logged(settings):
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "LOCAL_LANGUAGES": []}
    assert language.other_language("kje je vas studio") == "sh"
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "LOCAL_LANGUAGES": ["sl-SI"]}
    assert language.other_language("kje je vas studio") == "sl"
    # A question clearly in another language keeps it, local language or not.
    assert language.other_language("Ile kosztuje strona internetowa?") == "pl"


@pytest.mark.django_db
def test_a_short_question_of_words_the_index_knows_is_english(built_index):
    """Two or three words say little to the identifier: "Ljubljana office?" read as
    Slovenian and "r u a bot" as Sesotho, and both got only the message."""
    from site_assistant import index

    known = services.speller(index.load_current()).is_known
    for question in ("Ljubljana office?", "r u a bot"):
        assert language.other_language(question) is not None  # the identifier alone
        assert language.other_language(question, known) is None
        assert services.answer(question).language is None
    assert services.answer("Ljubljana office?").answer.anchor == "where-we-are"
    # Questions in other languages still are, even with a word or two of the site's.
    more = {"Kaj je Bambi Game?": "sl", "Hoeveel kost een website?": "nl"}
    for question, code in {**OTHER_LANGUAGES, **more}.items():
        assert language.other_language(question, known) == code, question


@pytest.mark.django_db
def test_a_question_mostly_of_common_english_words_is_english(built_index, client):
    """A visitor asked "do u do instagram" and was told "I can only answer in English" (the
    identifier read Croatian, English below 0.01): "instagram" is no word of the index, so
    not every word is known. Three of its four words are among English's most common."""
    from site_assistant import index

    speller = services.speller(index.load_current())
    known, site, typo = speller.is_known, speller.is_site_word, speller.is_typo
    for question in ("do u do instagram", "do u do tiktok", "omg lol"):
        assert language.other_language(question, known, site, typo) is None, question
    body = client.get("/api/search/", {"q": "do u do instagram"}).json()
    assert body["language"] is None and body["message"] is None
    # No question in another language of the project's sets is mostly English's common
    # words, and they are still declined.
    others = [
        row["question"]
        for name in ("other_language_questions.jsonl", "short_language_questions.jsonl")
        for row in _rows(name)
        if row["language"] != "en"
    ]
    assert [q for q in others if language.mostly_common(WORD.findall(q))] == []
    assert language.other_language("je voudrais un devis", known, site, typo) == "fr"
    assert language.other_language("Co to jest Bambi Game?", known, site, typo) == "pl"


@pytest.mark.django_db
def test_the_api_answers_a_german_page_in_german(built_index, client, bilingual_site):
    """The widget on /de/ asks /de/assistant/api/search/ (and names the page's language in
    Accept-Language): the messages it shows come back in German."""
    api = "/de/assistant/api/search/"
    body = client.get(api, {"q": "Wo ist euer Büro"}).json()
    assert body["language"] == "de" and body["message"] == "Ich kann nur auf Englisch antworten."
    assert client.get(api, {"q": "thanks"}).json()["message"] == "Gern geschehen! Noch etwas?"
    empty = client.get(api, {"q": "???"})
    assert empty.status_code == 400
    assert empty.json()["q"] == ["Fragen Sie etwas: Die Frage enthält keine Wörter."]
    blank = client.post(api, {"q": " "}, content_type="application/json")
    assert blank.json()["q"] == ["Fragen Sie etwas: Die Frage ist leer."]
    english = client.get(api, {"q": "Wo ist euer Büro"}, HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["message"] == "Ich kann nur auf Englisch antworten."  # the path wins
    outside = client.get("/en/assistant/api/search/", {"q": "Wo ist euer Büro"}).json()
    # On an English page too: the site has German pages and the app's words are German.
    assert outside["message"] == "Ich kann nur auf Englisch antworten."
    assert outside["message_lang"] == "de"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("q", "german"),
    [
        (42, "`q` muss Text sein (ein JSON-String), keine Zahl."),
        (True, "`q` muss Text sein (ein JSON-String), nicht true oder false."),
        (["Preise"], "`q` muss Text sein (ein JSON-String), keine Liste."),
        ({"text": "Preise"}, "`q` muss Text sein (ein JSON-String), kein Objekt."),
        (None, "`q` muss Text sein (ein JSON-String), nicht null."),
    ],
)
def test_every_message_of_q_comes_back_in_the_pages_language(
    built_index, client, bilingual_site, q, german
):
    """docs/api.md: the messages of `q` are written for the person who asked, to be shown as
    they are. A question that was not text got its message in English on a German page
    (only `null` was translated)."""
    response = client.post(
        "/de/assistant/api/search/", json.dumps({"q": q}), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["q"] == [german]


@pytest.mark.django_db
def test_the_owners_message_is_shown_as_written(built_index, client, bilingual_site):
    bilingual_site.SITE_ASSISTANT = {
        **bilingual_site.SITE_ASSISTANT,
        "OTHER_LANGUAGE_MESSAGE": "Sorry, English only — write to us!",
    }
    body = client.get("/de/assistant/api/search/", {"q": "Wo ist euer Büro"}).json()
    assert body["message"] == "Sorry, English only — write to us!"
    # Whatever the question's language: the site's text, taken to be the page's language.
    english = client.get("/en/assistant/api/search/", {"q": "Wo ist euer Büro"}).json()
    assert english["message"] == "Sorry, English only — write to us!"
    assert english["message_lang"] == "en"


@pytest.mark.parametrize(
    ("language", "active", "expected"),
    [
        ("en", "en", "I can only answer in English."),
        ("de", "en", "I can only answer in German."),
        ("de-AT", "sl", "Odgovarjam lahko samo v nemščini."),
        ("sl", "de", "Ich kann nur auf Slowenisch antworten."),
        ("fr", "en", "I can only answer in French."),
        ("fr", "de", "Ich kann nur auf Französisch antworten."),
    ],
)
def test_the_default_message_names_the_index_language_in_the_active_one(
    settings, language, active, expected
):
    from django.utils import translation

    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "LANGUAGE": language}
    with translation.override(active):
        assert conf.get("OTHER_LANGUAGE_MESSAGE") == expected


def test_questions_are_compared_against_the_index_language(settings):
    """A German index: a German question is its own language, an English one is not."""
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "LANGUAGE": "de-DE"}
    assert language.other_language("Wie viel kostet eine Reparatur?") is None
    assert language.other_language("How much does a repair cost at your shop?") == "en"


def test_local_languages_as_a_text_is_an_error_at_start(settings):
    """ "sl" would be read letter by letter: the check says so when the site starts."""
    from site_assistant.apps import check_setting_names_and_types

    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "LOCAL_LANGUAGES": "sl"}
    found = check_setting_names_and_types()
    assert [(m.id, m.msg) for m in found] == [
        ("site_assistant.E005", "SITE_ASSISTANT['LOCAL_LANGUAGES'] must be a list, not str 'sl'.")
    ]


@pytest.mark.django_db
def test_a_question_is_named_the_same_whatever_its_case(built_index, client):
    """The identifier reads letters as they are cased: "kje ste" (Slovenian, "where are
    you") was logged Norwegian Nynorsk, "Kje ste?" Slovenian. The language is named from
    the question sentence-cased; whether it is declined is still read as typed (deciding
    that sentence-cased too let "chi siete" and a Czech question through)."""
    for question in ("kje ste", "KJE STE", "Kje ste?", "kje STE"):
        body = client.get("/api/search/", {"q": question}).json()
        assert body["language"] == "sl", question
        assert Question.objects.get(pk=body["question_id"]).language == "sl"
    for question, code in {"chi siete": "it", "kolik by stal web pro malou firmu": "cs"}.items():
        assert services.answer(question).language == code, question
    assert language.sentence_case("¿CUÁNTO cuesta?") == "¿Cuánto cuesta?"


@pytest.mark.django_db
def test_one_word_the_identifier_reads_clearly_is_another_language(built_index, client):
    """A question of one word was never another language: "Öffnungszeiten" (German at
    0.91) was searched. One word the index does not know is, when the identifier finds one
    language more likely than all others together; "Preise?" (German at 0.10), English
    words and typos of the site's words are not."""
    from site_assistant import index

    for question in ("Öffnungszeiten", "oeffnungszeiten?"):
        body = client.get("/api/search/", {"q": question}).json()
        assert body["language"] == "de" and body["results"] == [], question
        assert body["message"] == "Ich kann nur auf Englisch antworten."
    for question in ("Preise?", "pricing", "wordpress?", "hours", "figma?", "asdf", "ok"):
        assert services.answer(question).language is None, question
    # "chaange" reads as Oromo (0.6), but typo tolerance respells it: the site's "change".
    speller = services.speller(index.load_current())
    known, site = speller.is_known, speller.is_site_word
    assert language.other_language("chaange", known, site) == "om"
    assert language.other_language("chaange", known, site, speller.is_typo) is None
    searched = services.answer("chaange")
    assert searched.language is None and searched.corrected == "change"


# Questions of tests/data/english_chat_questions.jsonl with a misspelled word, and how
# the search must read them.
RESPELLED = {
    "r u in ljublana": "r u in ljubljana",
    "u guys in ljubjana": "u guys in ljubljana",
    "wher is bambicm based": "where is bambicim based",
    "maintanance plan price": "maintenance plan price",
    "do u do accesibility audits": "do u do accessibility audits",
}


@pytest.mark.django_db
def test_english_typed_fast_on_a_phone_is_answered_in_english(built_index, client):
    """tests/data/english_chat_questions.jsonl: 50 questions an English visitor types fast
    ("r u in ljublana", "wher is bambicm based"): none gets "I can only answer in English",
    and a misspelled word is respelled as the visitor meant it. "r u in ljublana" was
    declined as Slovenian, "wher" respelled "when", "maintanance plan price" left as typed."""
    declined, respelled = [], {}
    for row in _rows("english_chat_questions.jsonl"):
        result = services.answer(row["question"])
        if result.language:
            declined.append((row["question"], result.language))
        if row["question"] in RESPELLED:
            respelled[row["question"]] = result.corrected
    assert declined == []
    assert respelled == RESPELLED
    # As the widget and the search page read it (the API's rate allows 60 a minute).
    body = client.get("/api/search/", {"q": "r u in ljublana"}).json()
    assert body["language"] is None and body["message"] is None
    assert body["corrected_query"] == "r u in ljubljana"
    assert body["answer"]["url"] == "/contact/"


@pytest.mark.django_db
def test_errors_about_the_request_come_back_in_the_pages_language(
    built_index, client, bilingual_site
):
    """A developer trying the API of a German site read `q`'s messages in German and those
    about the request itself (its Content-Type, its body, a vote's token) in English."""
    api = "/de/assistant/api/search/"
    untyped = client.generic("POST", api, '{"q": "Preise"}', content_type="text/plain")
    assert untyped.status_code == 415
    assert untyped.json()["detail"] == (
        "Nicht unterstützter Medientyp „text/plain“: senden Sie den Inhalt als JSON mit dem "
        "Header Content-Type: application/json (ein URL-kodiertes Formular oder "
        "multipart/form-data wird auch gelesen)."
    )
    as_form = client.generic(
        "POST", api, '{"q": "Preise"}', content_type="application/x-www-form-urlencoded"
    )
    assert as_form.status_code == 400
    assert as_form.json()["detail"].startswith("Der Inhalt ist JSON, wurde aber als Formular")
    a_list = client.post(api, '[{"q": "Preise"}]', content_type="application/json")
    assert a_list.status_code == 400
    assert a_list.json()["detail"] == (
        "Der JSON-Inhalt ist eine Liste: Senden Sie ein Objekt mit benannten Feldern "
        '({"name": value, …}).'
    )
    vote = client.post(
        "/de/assistant/api/feedback/",
        {"question_id": 1, "helpful": True, "feedback_token": "not-it"},
        content_type="application/json",
    )
    assert vote.status_code == 403
    assert vote.json()["detail"].startswith("Eine Bewertung wird nur von der Person angenommen")
    # In Slovenian too, on a Slovenian page.
    with translation.override("sl"):
        assert str(parsers.not_an_object([])).startswith("Vsebina JSON je seznam:")


@pytest.mark.django_db
def test_a_body_that_is_not_json_is_told_so_in_the_pages_language(
    built_index, client, bilingual_site
):
    """Every other error about the request came back in German on /de/, a broken JSON
    body as DRF's English "JSON parse error - Expecting value: line 1 column 7 (char 6)"."""
    api = "/de/assistant/api/search/"
    cut = client.post(api, '{"q": ', content_type="application/json")
    assert cut.status_code == 400
    assert cut.json() == {
        "detail": "Der Inhalt ist kein gültiges JSON (Zeile 1, Spalte 7): ein Wert wurde erwartet."
    }
    quotes = client.post(api, "{'q': 'Preise'}", content_type="application/json")
    assert quotes.json()["detail"] == (
        "Der Inhalt ist kein gültiges JSON (Zeile 1, Spalte 2): "
        "ein Feldname in doppelten Anführungszeichen wurde erwartet."
    )
    with translation.override("sl"):
        try:
            json.loads('{"q": "a" "b"}')
        except ValueError as exc:
            assert str(parsers.not_json(exc).detail) == (
                "Vsebina ni veljaven JSON (vrstica 1, stolpec 11): pričakovana je bila vejica (,)."
            )
    # A message that names its field is not led by it again ("`q`: `q` muss Text sein …").
    number = client.post(api, json.dumps({"q": 42}), content_type="application/json")
    assert number.json()["detail"] == "`q` muss Text sein (ein JSON-String), keine Zahl."
    k = client.post(api, json.dumps({"q": "Preise", "k": 0}), content_type="application/json")
    assert k.json()["detail"].startswith("`k`: ")


@pytest.mark.django_db
def test_a_question_in_a_language_the_site_offers_is_told_so_in_it(
    built_index, client, bilingual_site
):
    """A visitor who asked in German on an English page was told "I can only answer in
    English." in English: the site has German pages and the app's words are German."""
    bilingual_site.SITE_ASSISTANT = {
        **bilingual_site.SITE_ASSISTANT,
        "CONTACT_URL": "/contact/",
        "HANDOFF_TEXT": {"de": "Schreiben Sie uns", "en": "Write to us"},
    }
    api = "/en/assistant/api/search/"
    german = client.get(api, {"q": "Was kostet eine Webseite?"}).json()
    assert german["language"] == "de"
    assert (german["message"], german["message_lang"]) == (
        "Ich kann nur auf Englisch antworten.",
        "de",
    )
    assert german["handoff_text"] == "Schreiben Sie uns"  # the site's own words for German
    # Slovenian: the app's words are Slovenian, but this site has no Slovenian pages.
    slovenian = client.get(api, {"q": "koliko stane spletna stran"}).json()
    assert slovenian["language"] == "sl"
    assert (slovenian["message"], slovenian["message_lang"]) == (
        "I can only answer in English.",
        "en",
    )
    assert slovenian["handoff_text"] == "Write to us"
    # An answer has no message; small talk's is in the page's language.
    answered = client.get(api, {"q": "Can I scrape the site?"}).json()
    assert (answered["message"], answered["message_lang"], answered["handoff_text"]) == (None,) * 3
    thanks = client.get(api, {"q": "thanks"}).json()
    assert thanks["message_lang"] == "en" and thanks["handoff_text"] is None
    # A message the site gives per language is read in the visitor's.
    bilingual_site.SITE_ASSISTANT = {
        **bilingual_site.SITE_ASSISTANT,
        "OTHER_LANGUAGE_MESSAGE": {"de": "Nur Englisch, bitte.", "en": "English only, please."},
    }
    german = client.get(api, {"q": "Was kostet eine Webseite?"}).json()
    assert (german["message"], german["message_lang"]) == ("Nur Englisch, bitte.", "de")


@pytest.mark.django_db
def test_on_a_page_in_a_language_the_app_has_no_words_in_the_message_says_its_own_language(
    built_index, client, bilingual_site
):
    """On a French page (the app's words are not in French) a Chinese question was told
    "I can only answer in English." in English, but ``message_lang`` said "fr": the widget
    marked English text as French."""
    bilingual_site.LANGUAGE_CODE = "en"
    bilingual_site.LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français")]
    bilingual_site.SITE_ASSISTANT = {**bilingual_site.SITE_ASSISTANT, "CONTACT_URL": "/contact/"}
    api = "/fr/assistant/api/search/"
    chinese = client.get(api, {"q": "网站多少钱？"}).json()
    assert chinese["language"] == "zh"
    assert (chinese["message"], chinese["message_lang"]) == ("I can only answer in English.", "en")
    assert (chinese["handoff_text"], chinese["handoff_lang"]) == ("Ask a person", "en")
    thanks = client.get(api, {"q": "thanks"}).json()
    assert thanks["message"] and thanks["message_lang"] == "en"
    # The search page marks it so too, on its French page.
    page = client.get("/fr/assistant/search/", {"q": "网站多少钱？"}).content.decode()
    assert '<h2 id="sa-page-answer-title" lang="en">I can only answer in English.</h2>' in page
    # Django's fallback is the site's default language: on a German site, German.
    bilingual_site.LANGUAGE_CODE = "de"
    # Set again: Django reads its catalogs anew when LANGUAGES changes, not LANGUAGE_CODE.
    bilingual_site.LANGUAGES = [*bilingual_site.LANGUAGES]
    chinese = client.get(api, {"q": "网站多少钱？"}).json()
    assert (chinese["message"], chinese["message_lang"]) == (
        "Ich kann nur auf Englisch antworten.",
        "de",
    )
    # A text the site gives for French is in French.
    bilingual_site.SITE_ASSISTANT = {
        **bilingual_site.SITE_ASSISTANT,
        "OTHER_LANGUAGE_MESSAGE": {"fr": "Seulement en anglais.", "en": "English only."},
    }
    chinese = client.get(api, {"q": "网站多少钱？"}).json()
    assert (chinese["message"], chinese["message_lang"]) == ("Seulement en anglais.", "fr")


@pytest.mark.django_db
def test_the_widgets_words_may_be_given_per_language(built_index, client, bilingual_site):
    """A German site with an English version showed its German suggested questions on the
    /en/ pages too (a click got "I can only answer in English.")."""
    from selectolax.lexbor import LexborHTMLParser

    bilingual_site.SITE_ASSISTANT = {
        **bilingual_site.SITE_ASSISTANT,
        "WIDGET_TITLE": {"de": "Fragen Sie Lipa", "en": "Ask Lipa"},
        "SUGGESTED_QUESTIONS": {
            "de": ["Darf ich die Seite scrapen?"],
            "en": ["Can I scrape the site?", "Where are you based?"],
        },
        "WIDGET_GREETING": {"en": "Hello there!"},  # German left out: the app's own
        "PAGE_PLACEHOLDER": "Your question",  # one text: on every language's pages
    }

    def widget(path):
        tree = LexborHTMLParser(client.get(path).content.decode())
        return (
            tree.css_first(".site-assistant__title").text().strip(" ✨"),
            tree.css_first("#site-assistant-greeting").text(),
            [button.text() for button in tree.css(".site-assistant__suggestion")],
        )

    assert widget("/en/prices/") == (
        "Ask Lipa",
        "Hello there!",
        ["Can I scrape the site?", "Where are you based?"],
    )
    assert widget("/de/prices/") == (
        "Fragen Sie Lipa",
        "Hallo! Fragen Sie mich alles über diese Website.",
        ["Darf ich die Seite scrapen?"],
    )
    # The search page too, and the suggestion a visitor clicks there is answered.
    page = LexborHTMLParser(client.get("/en/assistant/search/").content.decode())
    offered = [a.text() for a in page.css(".sa-page__suggestions a")]
    assert offered == ["Can I scrape the site?", "Where are you based?"]
    assert page.css_first("input[type=search]").attributes["placeholder"] == "Your question"
    body = client.get("/en/assistant/api/search/", {"q": offered[0]}).json()
    assert body["language"] is None and body["answer"] is not None
