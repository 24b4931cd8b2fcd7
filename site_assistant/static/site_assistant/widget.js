/* The site assistant's widget and the search page's votes (docs/widget.md). Server text is
   inserted as text, never HTML. */
(function () {
  "use strict";
  if (window.siteAssistantLoaded || !window.fetch) return;
  window.siteAssistantLoaded = true; // the search page loads this file too, beside the widget's own tag

  /* "Read more" to a closed <details> (/faq/#mobile): open it and those around it. */
  function openTarget() {
    var target = null;
    try {
      target = location.hash.length > 1 && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    } catch (e) {
      return; // a malformed %-escape names no element
    }
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS" && !node.open) node.open = true;
    }
  }
  openTarget();
  window.addEventListener("hashchange", openTarget);

  /* Its words in the page's language, from {% search_words %}'s JSON; English where a page has
     none. word() fills in %(name)s. */
  var WORDS = {
    language: "",
    readMore: "Read more",
    seeAll: "See all results",
    alsoSee: "Also see",
    closest: "The closest pages I found",
    closestBelow: "The closest pages I found are below.",
    askPerson: "You can also ask a person.",
    personWillAnswer: "— a person will answer.",
    notSure: "I’m not sure — I couldn’t find a confident answer on this site.",
    searchedFor: "Searched for “%(query)s”",
    showWhole: "Show the whole section",
    showLess: "Show less",
    didThisHelp: "Did this help?",
    helpful: "Helpful",
    notHelpful: "Not helpful",
    thanksHelpful: "Thank you! 💖",
    thanksNotHelpful: "Thanks — we’ll improve this.",
    voteFailed: "Not sent: that vote didn’t count. Please try again.",
    typeFirst: "Type a question first.",
    cut: "Cut to %(count)s characters, the most a question can have: check its end.",
    limit: "That’s the limit: %(count)s characters.",
    newChat: "New chat.",
    looking: "Looking…",
    stillLooking: "Still looking — the first answer after a quiet spell can take a few seconds.",
    tooFast: "You’re asking faster than I can think! Try again in %(seconds)s seconds.",
    stillReading: "I’m still reading the site. Please try again in a minute.",
    gettingReady: "I’m almost ready to answer. Please try again in %(seconds)s seconds.",
    retrying: "I’m almost ready to answer. I’ll try again by myself in %(seconds)s seconds.",
    searchDown: "I can’t answer questions right now: my search isn’t working. Please try again later.",
    wentWrong: "Something went wrong on my side. Please try again.",
    blocked: "I can’t answer from this page, but the search page can: see all results.",
    unreachable: "I can’t reach the server right now. Your question is still in the box: try again in a moment.",
    retry: "Try again",
    offline: "You seem to be offline. Your question is still in the box: send it again once you’re connected.",
    timedOut: "The server took too long to answer. Your question is still in the box: please try again.",
    serverDown: "The site isn’t answering properly right now. Please try again in a minute.",
    queued: "One moment: this goes as soon as the last answer is in.",
    newAnswer: "(new answer)",
    notAnswered: "(question not answered)",
    youAsked: "You asked:"
  };
  var given = document.querySelector("script[data-site-assistant-words]");
  try {
    var words = given ? JSON.parse(given.textContent) : {};
    Object.keys(words).forEach(function (key) {
      if (typeof words[key] === "string") WORDS[key] = words[key];
    });
  } catch (e) { /* unreadable: English */ }

  function word(key, values) {
    return WORDS[key].replace(/%\((\w+)\)s/g, function (whole, name) {
      return values && name in values ? String(values[name]) : whole;
    });
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  }

  /* node's `attr` (aria-labelledby, aria-describedby…) names `by`, given an id if it has none. */
  var ids = 0;
  function tie(node, attr, by) {
    by.id = by.id || "site-assistant-" + ++ids;
    node.setAttribute(attr, by.id);
    return node;
  }

  function link(href, text, cls) {
    var a = el("a", cls, text);
    a.href = href;
    return a;
  }

  function csrfToken(fallback) {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : fallback || "";
  }

  /* A request lost without an error is given up; above gunicorn's 30 s. */
  var TIMEOUT_MS = 35000;

  /* {response, body} (body null: not JSON); rejects offline or, after TIMEOUT_MS, AbortError. */
  function post(url, body, fallbackToken) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller && setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    return fetch(url, {
      signal: controller ? controller.signal : undefined,
      method: "POST",
      credentials: "same-origin",
      // a LocaleMiddleware site answers in the page's language
      headers: Object.assign({
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken(fallbackToken),
        "X-Site-Assistant": "widget",
      }, WORDS.language ? { "Accept-Language": WORDS.language } : {}),
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try { data = JSON.parse(text); } catch (e) { /* an HTML error page */ }
        return { response: response, body: data };
      });
    }).then(function (result) {
      clearTimeout(timer);
      return result;
    }, function (error) {
      clearTimeout(timer);
      throw error;
    });
  }

  /* Why a request got no answer, in the visitor's words; `blocked` by the site's CSP, the search page
     (a link) can still answer. */
  var blocked, heard = function () {};
  function failure(error, turn) {
    if (error.name === "AbortError") return word("timedOut");
    if (navigator.onLine === false) return word("offline");
    return word((turn.search = turn.blocked = blocked) ? "blocked" : "unreachable");
  }

  /* A vote per question and section for this tab, shared with the search page: {helpful, id,
     token}, so a change of mind goes to the same question. */
  var VOTES = "site-assistant:vote:";
  var voteBoxes = [];

  function voteKey(question, link) {
    return VOTES + JSON.stringify([String(question || "").replace(/\s+/g, " ").trim().toLowerCase(), link || ""]);
  }

  function storedVote(key) {
    try {
      var vote = JSON.parse(sessionStorage.getItem(key));
      if (vote === true || vote === false) return { helpful: vote }; // the search page's old form
      return vote && typeof vote.helpful === "boolean" ? vote : null;
    } catch (e) {
      return null; // storage off: no vote kept
    }
  }

  /* Names are the visible words, 👍 / 👎 aria-hidden (WCAG 2.5.3). `asked`: {id, token}; `earlier`:
     the conversation's vote. */
  var THANKS = { true: word("thanksHelpful"), false: word("thanksNotHelpful") };

  /* Text whose emoji are drawn, not read: "Thank you! 💖" is heard "Thank you!". */
  var EMOJI = /((?:(?:[\u2600-\u27BF]|[\uD83C-\uD83E][\uDC00-\uDFFF])[\uFE0F\u200D]*)+)/;
  function spoken(node, text) {
    node.textContent = "";
    text.split(EMOJI).forEach(function (part, i) {
      if (i % 2) node.appendChild(el("span", null, part)).setAttribute("aria-hidden", "true");
      else node.appendChild(document.createTextNode(part));
    });
  }

  function voteButtons(box, url, asked, csrf, key, earlier) {
    var label = el("span", "site-assistant__feedback-label", word("didThisHelp"));
    label.setAttribute("aria-hidden", "true"); // the group's name: not read twice
    box.setAttribute("role", "group");
    tie(box, "aria-labelledby", label);
    box.appendChild(label);
    var thanks = el("span", "site-assistant__thanks");
    thanks.setAttribute("role", "status");
    function mark(choice) {
      box.querySelectorAll("button").forEach(function (b) {
        b.setAttribute("aria-pressed", String(b.value === String(choice)));
      });
      box.classList.add("is-done");
      spoken(thanks, THANKS[choice]);
    }
    function markAll(choice) { // every box of this question and section on the page
      voteBoxes.forEach(function (other) { if (other.key === key) other.mark(choice); });
    }
    voteBoxes.push({ key: key, mark: mark });
    var sending = false; // a double click sends one vote
    [[true, "👍", word("helpful")], [false, "👎", word("notHelpful")]].forEach(function (choice) {
      var button = el("button", "site-assistant__vote");
      button.type = "button";
      button.value = String(choice[0]);
      button.setAttribute("aria-pressed", "false");
      var icon = button.appendChild(el("span", null, choice[1] + " "));
      icon.setAttribute("aria-hidden", "true");
      button.appendChild(document.createTextNode(choice[2]));
      button.addEventListener("click", function () {
        var before = storedVote(key);
        if (before && before.helpful === choice[0]) return markAll(choice[0]); // already counted
        if (sending) return;
        sending = true;
        box.setAttribute("aria-busy", "true");
        thanks.textContent = ""; // said anew, even the same failure
        var target = before && before.id ? before : asked;
        post(url, { question_id: target.id, feedback_token: target.token, helpful: choice[0] }, csrf).then(function (result) {
          // a captive portal's or a proxy's page is no vote
          if (!result.response.ok || !result.body) throw new Error(String(result.response.status));
          try {
            sessionStorage.setItem(key, JSON.stringify({ helpful: choice[0], id: target.id, token: target.token }));
          } catch (e) { /* private mode or full: the vote just isn't kept */ }
          markAll(choice[0]);
        }).catch(function () {
          thanks.textContent = word("voteFailed");
        }).then(function () {
          sending = false;
          box.removeAttribute("aria-busy");
          // Under the buttons, it can fall below the panel's or the page's edge (a phone, large text)
          if (thanks.textContent && thanks.scrollIntoView) thanks.scrollIntoView({ block: "nearest" });
        });
      });
      box.appendChild(button);
    });
    box.appendChild(thanks);
    var given = storedVote(key);
    var vote = given ? given.helpful : earlier;
    if (vote === true || vote === false) mark(vote);
    return box;
  }

  /* A vote's token stays in the tab that asked; the address has part of it. */
  var TOKENS = "site-assistant:token:";
  function keepToken(id, token) {
    try { sessionStorage.setItem(TOKENS + id, token); } catch (e) { /* not kept */ }
  }
  function askedRef(id, token) { return id + "." + token.slice(0, 16); }
  /* ?asked=: a reload or Back shows the answer without logging the question again. Only the
     tab that asked names it: a link another visitor shared loses their asked, so a reload
     here is this visitor's own question, with a vote, and a link copied from here is clean. */
  function nameInAddress(d) {
    var token = d.feedbackToken;
    try { token = token || sessionStorage.getItem(TOKENS + d.questionId); } catch (e) { /* none */ }
    if (token && d.questionId) keepToken(d.questionId, token);
    else token = null;
    if (window.URL && history.replaceState) {
      var here = new URL(location.href);
      if (token) here.searchParams.set("asked", askedRef(d.questionId, token));
      else if (here.searchParams.has("asked")) here.searchParams.delete("asked");
      if (here.href !== location.href) history.replaceState(history.state, "", here.href);
    }
    return token;
  }
  /* The search page's vote box, rendered hidden, shown to the tab that asked. */
  document.querySelectorAll("[data-sa-feedback]").forEach(function (box) {
    var d = box.dataset, key = voteKey(d.question || d.questionId, d.result);
    var token = nameInAddress(d);
    if (!token && !storedVote(key)) return;
    voteButtons(box, d.feedbackUrl, { id: Number(d.questionId), token: token }, d.csrf, key, null);
    box.hidden = false;
  });
  /* The search page's answer, just asked for, below the first screen (a phone, large text):
     brought up under the question box, so the visitor sees it came. Not on Back or a reload
     (the browser puts the page where it was), nor to an address with a #section. */
  var how = window.performance && performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
  /* The question asked here (the form, a suggested question): its answer's heading takes the
     focus, so a screen reader says the answer came and reads on from it. Not on a link
     someone shared, nor on Back or a reload: the page loads as any page. */
  var ASKED_HERE = "site-assistant:asked-here";
  var askedHere = null;
  try {
    askedHere = sessionStorage.getItem(ASKED_HERE);
    sessionStorage.removeItem(ASKED_HERE);
  } catch (e) { /* no storage: no focus */ }
  function oneLine(text) { return text.replace(/\s+/g, " ").trim(); }
  function askHere(question) {
    try { sessionStorage.setItem(ASKED_HERE, oneLine(question)); } catch (e) { /* not kept */ }
  }
  document.querySelectorAll("form[role=search][data-search-ignore]").forEach(function (box) {
    var results = box.parentNode.querySelector("section[aria-labelledby]");
    box.parentNode.querySelectorAll("a[href^='?q=']").forEach(function (a) {
      a.addEventListener("click", function () { askHere(a.textContent); });
    });
    if (!results || !how || how.type !== "navigate") return;
    var heading = document.getElementById(results.getAttribute("aria-labelledby"));
    if (heading && box.q && askedHere !== null && askedHere === oneLine(box.q.defaultValue)) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true }); // brought into view below, if it needs to be
    }
    if (location.hash) return;
    var lines = 6 * parseFloat(getComputedStyle(results).fontSize); // its heading and first lines
    if (results.getBoundingClientRect().top + lines > innerHeight) box.scrollIntoView({ block: "start", behavior: "instant" });
  });
  /* The search page's form: a second tap while it loads sends nothing; the last answer dimmed.
     After Back or Forward its box says the question of the answer shown, not what was typed
     in it before leaving: a page loaded again gets its typed text back (autocomplete="off"
     stops that; this, where a form lacks it), a page kept as it was left keeps it (pageshow). */
  document.querySelectorAll("form[role=search][data-search-ignore]").forEach(function (box) {
    var sent;
    if (box.q && how && how.type === "back_forward") box.q.value = box.q.defaultValue;
    box.addEventListener("submit", function (event) {
      if (box.q.value === sent) return event.preventDefault();
      sent = box.q.value;
      askHere(sent);
      box.parentNode.setAttribute("aria-busy", "true");
      setTimeout(function () { sent = null; }, 8000); // a request lost: the next tap sends it again
    });
    addEventListener("pageshow", function (event) {
      sent = null;
      box.parentNode.removeAttribute("aria-busy");
      if (event.persisted && box.q) box.q.value = box.q.defaultValue;
    });
  });
  /* A question in another language: no vote, named all the same. */
  document.querySelectorAll("[data-sa-asked]").forEach(function (node) { nameInAddress(node.dataset); });

  var root = document.querySelector(".site-assistant");
  if (!root) return;

  var bubble = root.querySelector(".site-assistant__bubble");
  var panel = root.querySelector(".site-assistant__panel");
  var log = root.querySelector(".site-assistant__log");
  var greeting = root.querySelector(".site-assistant__greeting");
  var status = root.querySelector(".site-assistant__status");
  var form = root.querySelector(".site-assistant__form");
  var input = root.querySelector(".site-assistant__input");
  var noteBox = root.querySelector(".site-assistant__note");
  var closeButton = root.querySelector(".site-assistant__close");
  var newButton = root.querySelector(".site-assistant__new");
  var handoff = root.querySelector(".site-assistant__handoff");
  var aside = root.insertBefore(el("p", "site-assistant__sr"), panel);
  aside.setAttribute("role", "status");
  // On the bubble: an answer came while the panel was closed
  var badge = bubble.appendChild(el("span", "site-assistant__badge"));
  badge.hidden = true;
  var news = null;
  var cfg = root.dataset;
  document.addEventListener("securitypolicyviolation", function (e) {
    if (e.blockedURI.indexOf(cfg.searchUrl) >= 0) heard(blocked = 1);
  });
  // widget.css's "You asked:", in the page's language
  root.style.setProperty("--sa-asked", JSON.stringify(word("youAsked")));
  var handoffText = handoff ? handoff.textContent : "";
  var STORE = "site-assistant:" + cfg.searchUrl;
  var MAX_TURNS = 30;
  function media(query) {
    return window.matchMedia ? window.matchMedia(query) : { matches: false };
  }
  var phone = media("(max-width: 480px)");
  var firstScreen = true; // not scrolled yet (see makeWay)
  var fullScreen = media("(max-width: 480px), (max-height: 500px)"); // widget.css: the panel covers it
  var turns = [];
  var busy = false;
  /* Questions not answered yet, latest first: offered in turn */
  var unsent = [];

  bubble.setAttribute("role", "button");
  bubble.setAttribute("aria-expanded", "false");
  if (/Mac|iPhone|iPad/.test(navigator.platform || "")) {
    root.querySelectorAll(".site-assistant__mod").forEach(function (k) { k.textContent = "⌘"; });
  }
  /* aria-modal is true only where the rest of the page can really be made inert. */
  var canInert = "inert" in HTMLElement.prototype;
  if (!canInert) panel.removeAttribute("aria-modal");

  function hitLink(hit) {
    return hit.url + (hit.anchor ? "#" + hit.anchor : "");
  }
  /* Where its link goes: a long section's later piece lands at its own words. */
  function readMore(hit) {
    return hit.read_more || hitLink(hit);
  }

  /* "Changelog › 2.3.0 › Removed": the page, then the headings down to the section's
     own, as the API's breadcrumb gives them (site_assistant.snippets.breadcrumb, which the
     search page and the admin show too); a hit without one, its title without its trail. */
  function where(hit) {
    if (hit.breadcrumb && hit.breadcrumb.length) return hit.breadcrumb.join(" › ");
    return hit.title.replace(/\s+[—|–]\s+[^—|–]+$/, "") || hit.title;
  }

  /* The whole section: the passage without its heading (shown above it). */
  function body(hit) {
    var last = hit.heading ? hit.heading.split(" › ").pop() : "";
    var text = hit.text;
    if (last && text.indexOf(last) === 0) text = text.slice(last.length).replace(/^[.:!?]?\s+/, "");
    return text || hit.text;
  }

  var EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/gi;

  function appendText(parent, text) {
    var at = 0, found;
    EMAIL.lastIndex = 0;
    while ((found = EMAIL.exec(text))) {
      parent.appendChild(document.createTextNode(text.slice(at, found.index)));
      parent.appendChild(link("mailto:" + found[0], found[0], "site-assistant__email"));
      at = found.index + found[0].length;
    }
    parent.appendChild(document.createTextNode(text.slice(at)));
  }

  /* Text into `node`, the [start, end) ranges in <mark>. */
  function highlight(node, text, ranges) {
    var at = 0;
    node.textContent = "";
    (ranges || []).forEach(function (r) {
      if (r[0] < at || r[1] <= r[0]) return;
      appendText(node, text.slice(at, r[0]));
      var mark = el("mark");
      appendText(mark, text.slice(r[0], r[1]));
      node.appendChild(mark);
      at = r[1];
    });
    appendText(node, text.slice(at));
  }

  /* The snippet's highlighted sentences, found again in the whole section. */
  function rangesIn(text, snippet) {
    var out = [];
    snippet.highlights.forEach(function (r) {
      var start = text.indexOf(snippet.text.slice(r[0], r[1]));
      if (start >= 0) out.push([start, start + r[1] - r[0]]);
    });
    return out.sort(function (a, b) { return a[0] - b[0]; });
  }

  function contactHref(question, contact) {
    var url = contact || cfg.contactUrl;
    if (!question || !cfg.contactParam) return url;
    var hash = url.indexOf("#") >= 0 ? url.slice(url.indexOf("#")) : "";
    url = url.slice(0, url.length - hash.length);
    return url + (url.indexOf("?") >= 0 ? "&" : "?") + cfg.contactParam + "=" + encodeURIComponent(question) + hash;
  }

  /* Said anew each time; beside the panel while it is closed. */
  var saying;
  function announce(text) {
    clearTimeout(saying);
    status.textContent = aside.textContent = "";
    saying = setTimeout(function () {
      var region = isOpen() ? status : aside;
      region.textContent = text;
      saying = setTimeout(function () { region.textContent = ""; }, 7000);
    }, 100);
  }

  /* A word under the box, read out (once: unchanged, not again). */
  function note(text) {
    if (!noteBox || noteBox.textContent === text) return;
    noteBox.textContent = text;
    if (text) announce(text);
  }

  /* maxlength cuts a longer paste without a word: say so. */
  var max = input.maxLength;
  var pasting = false;
  input.addEventListener("paste", function (event) {
    var text = event.clipboardData ? event.clipboardData.getData("text") : "";
    if (max < 1 || input.value.length - (input.selectionEnd - input.selectionStart) + text.length <= max) return;
    pasting = true;
    setTimeout(function () { // line breaks dropped may fit it
      pasting = false;
      if (input.value.length >= max) note(word("cut", { count: max }));
    });
  });
  input.addEventListener("input", function () {
    if (!pasting) note(max > 0 && input.value.length >= max ? word("limit", { count: max }) : "");
  });
  form.noValidate = true; // a blank question gets our note

  /* The conversation, kept for this tab (sessionStorage) */
  function save() {
    try {
      sessionStorage.setItem(STORE, JSON.stringify(answered(turns).slice(-MAX_TURNS)));
      sessionStorage.setItem(STORE + ":unsent", JSON.stringify(unsent.slice(0, MAX_TURNS)));
    } catch (e) { /* private mode or full: the conversation just isn't kept */ }
  }

  function load(key) {
    try {
      var stored = JSON.parse(sessionStorage.getItem(key) || "[]");
      return Array.isArray(stored) ? stored : [];
    } catch (e) {
      return [];
    }
  }

  /* Only answered questions are the conversation (a refusal, "???", is an answer). */
  function answered(list) {
    return list.filter(function (turn) { return turn && (turn.data || turn.invalid); });
  }

  function drop(query) {
    if (unsent.indexOf(query) >= 0) unsent.splice(unsent.indexOf(query), 1);
  }

  /* The box, once free, offers the first question still unanswered. */
  function offer() {
    if (!input.value && unsent.length) input.value = unsent[0];
  }

  /* The last question asked, for the contact page's message: small talk ("thanks!", "ok") is no
     question for the site's people. */
  function lastQuestion() {
    for (var i = turns.length - 1; i >= 0; i--) {
      if (!(turns[i].data && turns[i].data.small_talk)) return turns[i].q;
    }
    return "";
  }

  function refresh() {
    newButton.hidden = !turns.length;
    if (handoff) handoff.href = contactHref(lastQuestion());
  }

  var inerted = [];
  var lockedAt = null;

  /* All but the widget inert while open: really modal. */
  function setInert(on) {
    if (!canInert) return;
    if (!on) {
      inerted.forEach(function (node) { node.inert = false; });
      inerted = [];
      return;
    }
    for (var node = root; node && node !== document.body && node.parentNode; node = node.parentNode) {
      Array.prototype.forEach.call(node.parentNode.children, function (sibling) {
        if (sibling !== node && !sibling.inert && !/^(SCRIPT|STYLE|LINK)$/.test(sibling.tagName)) {
          sibling.inert = true;
          inerted.push(sibling);
        }
      });
    }
  }

  /* Full screen: the page behind must not scroll. */
  function lock(on) {
    var style = document.body.style;
    if (on && fullScreen.matches && lockedAt === null) {
      lockedAt = window.scrollY;
      document.documentElement.classList.add("site-assistant-locked");
      style.top = -lockedAt + "px";
    } else if (!on && lockedAt !== null) {
      document.documentElement.classList.remove("site-assistant-locked");
      style.top = "";
      window.scrollTo({ top: lockedAt, behavior: "instant" }); // not smoothly
      lockedAt = null;
    }
  }

  function isOpen() {
    return !panel.hidden;
  }

  function open() {
    if (isOpen()) return input.focus();
    panel.hidden = false;
    firstScreen = false; // found: from now on it stays where it is
    root.classList.add("is-open");
    bubble.setAttribute("aria-expanded", "true");
    setInert(true);
    lock(true);
    log.scrollTop = log.scrollHeight;
    if (news) inView(news[0], news[1]); // the answer waiting
    news = null;
    badge.hidden = true;
    input.focus();
  }

  /* The question and the answer's start in view (at 400% zoom, its first lines). */
  function inView(you, answer) {
    log.scrollTop = Math.max(you.offsetTop - 12, answer.offsetTop + 72 - log.clientHeight);
  }

  function close(refocus) {
    if (!isOpen()) return;
    panel.hidden = true;
    root.classList.remove("is-open");
    bubble.setAttribute("aria-expanded", "false");
    setInert(false);
    lock(false);
    makeWay();
    if (refocus !== false) bubble.focus();
  }

  function focusables() {
    return Array.prototype.filter.call(
      panel.querySelectorAll("a[href], button:not([disabled]), input:not([disabled])"),
      function (node) { return node.offsetParent !== null; }
    );
  }

  /* ↑ / ↓: every control of the latest message, in Tab's order (its links, "Show the whole
     section", the votes, "Try again"; before any answer, the suggested questions). */
  function answerControls() {
    var answers = log.querySelectorAll(".site-assistant__msg--bot");
    var latest = answers[answers.length - 1];
    return latest ? focusables().filter(function (node) { return latest.contains(node); }) : [];
  }

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  bubble.addEventListener("click", function (event) {
    event.preventDefault();
    if (isOpen()) close(); else open();
  });
  bubble.addEventListener("keydown", function (event) {
    if (event.key === " ") {
      event.preventDefault();
      bubble.click();
    }
  });
  closeButton.addEventListener("click", close);

  /* A click on the inert page closes the panel; not one on a button it took away ("Try again"). */
  document.addEventListener("click", function (event) {
    if (isOpen() && !root.contains(event.target) && document.contains(event.target)) close(false);
  });

  document.addEventListener("keydown", function (event) {
    var key = event.key;
    if (isOpen() && key === "Escape") {
      event.preventDefault();
      return close();
    }
    if (isOpen() && (key === "ArrowDown" || key === "ArrowUp") && !event.altKey && !event.ctrlKey && !event.metaKey) {
      var items = answerControls();
      var at = items.indexOf(document.activeElement);
      if (!items.length || (at < 0 && document.activeElement !== input)) return;
      event.preventDefault();
      var next = key === "ArrowDown" ? Math.min(at + 1, items.length - 1) : at - 1;
      (next < 0 ? input : items[next]).focus();
      return;
    }
    if (isOpen() && key === "Tab") {
      var all = focusables();
      if (!all.length) return;
      var first = all[0];
      var last = all[all.length - 1];
      if (!panel.contains(document.activeElement)) {
        event.preventDefault();
        first.focus();
      } else if (event.shiftKey && document.activeElement === first) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault();
        first.focus();
      }
      return;
    }
    var shortcut = (key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey) ||
      ((event.ctrlKey || event.metaKey) && (key === "k" || key === "K"));
    if (shortcut && !typing(event.target)) {
      event.preventDefault();
      open();
    }
  });

  /* A link: close first, so the page is not inert. */
  panel.addEventListener("click", function (event) {
    var a = event.target.closest && event.target.closest("a[href]");
    if (a && !event.ctrlKey && !event.metaKey && !event.shiftKey) close(false);
  });

  /* Phones: the bubble hides while scrolling down (not while an answer waits). */
  var lastY = window.scrollY;
  window.addEventListener("scroll", function () {
    var y = window.scrollY;
    var end = y + window.innerHeight >= document.documentElement.scrollHeight - 8;
    if (lockedAt === null && Math.abs(y - lastY) > 4) {
      root.classList.toggle("is-tucked", phone.matches && y > lastY && y > 40 && !end && !news);
      lastY = y;
    }
    if (y > 40) firstScreen = false;
    if (end) root.classList.remove("is-tucked");
    makeWay();
  }, { passive: true });

  /* Phones: the closed bubble also slides away from a form field or button of the page it would
     cover (the search page's box at 320 px with large text, the contact page's message box at
     390 px), so a tap at its end reaches it; and, on the page's first screen until the visitor
     scrolls, from anything there to read or tap: text (the home page's lead at 320 px with large
     text) and a link or other control (a game's first choice, a link styled as a button), so what
     is seen first is whole. It stays over a box's border or background where no text or control
     is under it (a card's corner): hiding it there would hide the assistant on most first
     screens. Whether it covers one is read from the boxes themselves, not from a few points
     under the bubble: a button's end fell between the points. On the way up and at the page's
     end it is back. Not while an answer waits, nor once the chat was opened. */
  var FIELD = "input:not([type=hidden]), textarea, select, button, [contenteditable], [role=button]";
  var CONTROL = FIELD + ", a[href], summary, label, [tabindex]:not([tabindex='-1'])";
  function overlaps(a, b) {
    return a.right > b.left && a.left < b.right && a.bottom > b.top && a.top < b.bottom;
  }
  function coversText(node, r) {
    var walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT), range = document.createRange();
    for (var text = walker.nextNode(); text; text = walker.nextNode()) {
      if (!text.data.trim() || root.contains(text)) continue;
      range.selectNodeContents(text);
      if (Array.prototype.some.call(range.getClientRects(), function (line) { return overlaps(line, r); })) return true;
    }
    return false;
  }
  function coversOne(selector, r) {
    return Array.prototype.some.call(document.querySelectorAll(selector), function (node) {
      if (root.contains(node) || node.closest("[hidden], [inert]")) return false;
      return Array.prototype.some.call(node.getClientRects(), function (box) { return overlaps(box, r); });
    });
  }
  function inTheWay() {
    if (!phone.matches || isOpen() || news || !document.elementsFromPoint) return false;
    var r = root.getBoundingClientRect(); // the bubble's place, even while it is slid away
    if (coversOne(FIELD, r)) return true;
    return firstScreen && (coversOne(CONTROL, r) || coversText(document.body, r));
  }
  function makeWay() {
    root.classList.toggle("is-clear", inTheWay());
  }
  makeWay();
  addEventListener("resize", makeWay);
  addEventListener("load", makeWay);

  function say(node) {
    log.appendChild(node);
    log.scrollTop = log.scrollHeight;
    return node;
  }

  function botMessage(text) {
    var msg = el("div", "site-assistant__msg site-assistant__msg--bot");
    if (text) msg.appendChild(el("p", null, text));
    return msg;
  }

  /* "asked": logged already, not counted twice. */
  function seeAll(query, questionId, token) {
    var asked = questionId && token ? "&asked=" + encodeURIComponent(askedRef(questionId, token)) : "";
    var href = cfg.pageUrl + "?q=" + encodeURIComponent(query) + asked;
    return link(href, word("seeAll"), "site-assistant__all"); // its → is widget.css's
  }

  function others(hits, exclude, max) {
    var seen = {};
    if (exclude) seen[exclude] = true;
    return hits.filter(function (hit) {
      var key = hitLink(hit);
      if (seen[key]) return false;
      seen[key] = true;
      return true;
    }).slice(0, max);
  }

  function siteText(node) {
    if (WORDS.contentLanguage) node.lang = WORDS.contentLanguage;
    return node;
  }

  function linkList(title, hits) {
    var box = el("div", "site-assistant__more");
    // "Also see, list, 2 items"
    var list = tie(siteText(el("ul")), "aria-labelledby", box.appendChild(el("p", "site-assistant__more-title", title)));
    hits.forEach(function (hit) {
      var item = el("li");
      item.appendChild(link(readMore(hit), where(hit)));
      list.appendChild(item);
    });
    box.appendChild(list);
    return box;
  }

  function handoffLine(question) {
    var p = el("p", "site-assistant__contact");
    p.appendChild(link(contactHref(question), handoffText, "site-assistant__ask"));
    p.appendChild(document.createTextNode(" " + word("personWillAnswer")));
    return p;
  }

  /* A question in another language told so in the visitor's own (the API's message_lang),
     not the page's: the link in their words (handoff_text), to their language's contact page. */
  function primaryTag(tag) { return String(tag || "").toLowerCase().split(/[-_]/)[0]; }
  function toldInOwnLanguage(data) {
    return !!(data.language && data.message_lang && data.handoff_text !== undefined &&
      primaryTag(data.message_lang) !== primaryTag(WORDS.language || document.documentElement.lang));
  }
  function ownLanguageHandoff(question, data) {
    var p = el("p", "site-assistant__contact");
    var words = data.handoff_text || handoffText;
    var a = p.appendChild(link(contactHref(question, data.contact_url), words, "site-assistant__ask"));
    // In the API's handoff_lang: the site's own words for every language (HANDOFF_TEXT set
    // as one text) are in the page's language, inside the visitor's.
    var lang = data.handoff_text ? data.handoff_lang : WORDS.language || document.documentElement.lang;
    if (lang && primaryTag(lang) !== primaryTag(data.message_lang)) a.lang = lang;
    return p;
  }

  /* The snippet (answering sentences in <mark>); a button shows the whole section. */
  function answerText(msg, hit) {
    var quote = siteText(el("blockquote", "site-assistant__text"));
    var snippet = hit.snippet;
    var whole = body(hit);
    if (!snippet || !snippet.text) {
      highlight(quote, whole, []);
      msg.appendChild(quote);
      return whole;
    }
    highlight(quote, snippet.text, snippet.highlights);
    msg.appendChild(quote);
    if (whole.length > snippet.text.length + 20) {
      var more = el("button", "site-assistant__expand", word("showWhole"));
      more.type = "button";
      more.setAttribute("aria-expanded", "false");
      tie(more, "aria-controls", quote);
      more.addEventListener("click", function () {
        var expand = more.getAttribute("aria-expanded") === "false";
        if (expand) highlight(quote, whole, rangesIn(whole, snippet));
        else highlight(quote, snippet.text, snippet.highlights);
        more.setAttribute("aria-expanded", String(expand));
        more.textContent = expand ? word("showLess") : word("showWhole");
      });
      msg.appendChild(more);
    }
    return snippet.text;
  }

  /* One answer; returns [message, what the live region reads]. */
  function answerMessage(turn) {
    var data = turn.data;
    if (data.small_talk) {  // "thanks", "hi": the reply alone
      var reply = botMessage(data.message);
      reply.classList.add("site-assistant__msg--reply");
      return [reply, data.message];
    }
    var msg = botMessage();
    var best = data.answer;
    var spoken;
    if (data.corrected_query) {
      msg.appendChild(el("p", "site-assistant__corrected", word("searchedFor", { query: data.corrected_query })));
    }
    if (best) {
      msg.classList.add("site-assistant__msg--answer");
      var source = msg.appendChild(siteText(el("p", "site-assistant__source", where(best))));
      spoken = answerText(msg, best);
      // "Read more, Services › Pricing": which of the conversation's "Read more" links
      msg.appendChild(tie(link(readMore(best), word("readMore"), "site-assistant__read"), "aria-describedby", source));
      // Only sections nearer the answer than the threshold: one just above it is unrelated.
      var near = (best.score + data.min_score) / 2;
      var more = others(data.results.filter(function (hit) { return hit.score >= near; }),
        hitLink(best), 2);
      if (more.length) msg.appendChild(linkList(word("alsoSee"), more));
    } else {
      msg.classList.add("site-assistant__msg--unsure");
      // Another language: the API's message and the handoff only.
      spoken = data.message || word("notSure");
      msg.appendChild(el("p", null, spoken));
      var closest = data.language ? [] : others(data.results, null, 3);
      if (closest.length) msg.appendChild(linkList(word("closest"), closest));
      var own = toldInOwnLanguage(data);
      if (own) msg.lang = data.message_lang;  // read in that language's voice
      if (cfg.contactUrl) msg.appendChild(own ? ownLanguageHandoff(turn.q, data) : handoffLine(turn.q));
      // Heard: where to go from here
      if (closest.length) spoken += " " + word("closestBelow");
      if (cfg.contactUrl) spoken += " " + (own ? data.handoff_text || handoffText : word("askPerson"));
    }
    if (data.question_id) keepToken(data.question_id, data.feedback_token);
    if (!data.language) msg.appendChild(seeAll(data.query, data.question_id, data.feedback_token));
    if (data.question_id && !data.language) {  // nothing to vote on in a language message
      msg.appendChild(voteButtons(el("div", "site-assistant__feedback"), cfg.feedbackUrl,
        { id: data.question_id, token: data.feedback_token }, cfg.csrf,
        voteKey(data.query, best ? hitLink(best) : ""), turn.vote));
    }
    return [msg, spoken];
  }

  /* Not answered: "Try again" (not for a refusal, "???"); "See all results" only where the page can
     answer (turn.search: a 500, a 403, a Wi-Fi login page, the site's CSP). */
  function errorMessage(turn) {
    var msg = botMessage(turn.error);
    msg.classList.add("site-assistant__msg--error");
    if (!turn.invalid) {
      if (!turn.blocked) { // the CSP would refuse it again
        var again = msg.appendChild(el("button", "site-assistant__retry", word("retry")));
        again.type = "button";
        again.onclick = function () {
          if (busy) input.value = turn.q; // waits its turn, from the box
          input.focus();
          ask(0, turn.q);
        };
      }
      if (turn.search) msg.appendChild(seeAll(turn.q));
      if (turn.handoff && cfg.contactUrl) {
        msg.appendChild(handoffLine(turn.q));
        return [msg, turn.error + " " + word("askPerson")]; // heard: where to go from here
      }
    }
    return [msg, turn.error];
  }

  function youMessage(query) {
    var you = el("div", "site-assistant__msg site-assistant__msg--you");
    you.appendChild(el("p", null, query));
    return say(you);
  }

  /* lang="de": read in that language's voice ("hr" for the API's "sh", which has none). */
  function markLanguage(you, turn) {
    if (turn.data && turn.data.language) you.lang = turn.data.question_lang || turn.data.language;
  }

  function render(turn) {
    return turn.data ? answerMessage(turn) : errorMessage(turn);
  }

  /* The API's 503s a question can meet, each in its own words (docs/widget.md): the index not
     built yet, the model being prepared (for Retry-After's seconds), the model's files damaged (no
     wait helps: the contact link instead). Any other says the API's own `detail`, which it wrote
     in the page's language. */
  var UNAVAILABLE = { index_not_ready: "stillReading", model_not_ready: "gettingReady",
    model_unavailable: "searchDown" };
  // The model being prepared: asked again by itself once, after Retry-After (at most this long).
  var RETRY_AT_MOST = 30;
  function unavailable(response, body, turn) {
    var key = UNAVAILABLE[body.code];
    if (!key) return typeof body.detail === "string" && body.detail ? body.detail : word("serverDown");
    turn.handoff = key === "searchDown";
    var wait = parseInt(response.headers.get("Retry-After"), 10);
    wait = wait > 0 ? wait : 60;
    if (key === "gettingReady" && !turn.auto) {
      turn.retryIn = Math.min(wait, RETRY_AT_MOST);
      return word("retrying", { seconds: turn.retryIn });
    }
    return word(key, { seconds: wait });
  }

  /* The question asked again by itself once (turn.retryIn), unless the visitor sent it again or
     started a new chat meanwhile (its message gone), or while another is on its way (after it). */
  function retryLater(turn, shown) {
    setTimeout(function again() {
      if (!shown.isConnected) return;
      if (busy) return setTimeout(again, 500);
      ask(0, turn.q, true);
    }, turn.retryIn * 1000);
  }

  function errorText(response, body, turn) {
    if (response.status === 429) {
      var wait = parseInt(response.headers.get("Retry-After"), 10);
      return word("tooFast", { seconds: wait > 0 ? wait : 60 });
    }
    // The API's own 503 (JSON) says why in `code`; a proxy's HTML 502-504: the site is down.
    if (response.status === 503 && body) return unavailable(response, body, turn);
    if (response.status >= 502 && response.status <= 504) return word("serverDown");
    if (response.status === 400 && body) {
      var first = body.q || body.k || body.non_field_errors || [body.detail];
      if (first && first[0]) return String(first[0]);
    }
    turn.search = 1;
    return word("wentWrong");
  }

  /* SUGGESTED_QUESTIONS: a click asks one. */
  log.addEventListener("click", function (event) {
    var chip = event.target.closest && event.target.closest(".site-assistant__suggestion");
    if (!chip || busy) return;
    input.value = chip.getAttribute("data-question") || chip.textContent;
    ask();
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    ask();
  });

  newButton.addEventListener("click", function () {
    restore(true);
    save();
    announce(word("newChat"));
    input.focus();
  });

  /* "Looking…", "Still looking" after 2 s; `quiet` (a question that waited its turn): not over the
     answer just in. */
  function waiting(quiet) {
    var box = say(el("div", "site-assistant__typing"));
    var dots = box.appendChild(el("span", "site-assistant__dots"));
    dots.setAttribute("aria-hidden", "true");
    for (var i = 0; i < 3; i++) dots.appendChild(el("span"));
    var words = box.appendChild(el("span", "site-assistant__wait", word("looking")));
    if (!quiet) announce(word("looking"));
    var timer = setTimeout(function () {
      words.textContent = word("stillLooking");
      announce(words.textContent);
    }, 2000);
    return function () {
      clearTimeout(timer);
      box.remove();
    };
  }

  /* Asked while one is on its way: sent once its answer is in. */
  var queued = "";
  var failed = {};

  /* `again`: "Try again"'s question; `auto`: asked again by itself (retryLater), not a third time. */
  function ask(next, again, auto) {
    var query = again || input.value.trim(); // "Try again": the box keeps what it holds
    if (busy) {
      drop(queued);
      queued = query;
      if (query) {
        drop(query);
        unsent.unshift(query); // kept for a reload too
        save();
        note(word("queued"));
      }
      return;
    }
    if (!query) {
      input.value = "";
      input.focus();
      return note(word("typeFirst"));
    }
    note("");
    busy = true;
    root.classList.add("is-busy");
    // Sent again: its failed try goes
    (failed[query] || []).forEach(function (node) { node.remove(); });
    var you = youMessage(query);
    if (input.value.trim() == query) input.value = "";
    drop(query);
    unsent.unshift(query); // until answered: a reload meanwhile finds it in the box
    save();
    var done = waiting(next);
    var turn = { q: query, data: null, error: null, auto: !!auto };
    var from = document.activeElement;

    post(cfg.searchUrl, { q: query, k: 5 }, cfg.csrf)
      .then(function (result) {
        var response = result.response;
        turn.invalid = response.status === 400;
        if (!response.ok || !result.body) throw { friendly: errorText(response, result.body, turn) };
        turn.data = result.body;
      })
      .catch(function (error) { // a CSP's refusal is reported just after
        return new Promise(function (ok) { setTimeout(heard = ok, error.friendly ? 0 : 500); }).then(function () {
          turn.error = error.friendly || failure(error, turn);
        });
      })
      .then(function () {
        done();
        // Not answered: back to the box, after any queued one
        if (!turn.error || turn.invalid) drop(query);
        markLanguage(you, turn);
        turns.push(turn);
        save();
        refresh();
        var shown = render(turn);
        failed[query] = turn.error && !turn.invalid && [you, shown[0]];
        say(shown[0]);
        announce(shown[1]);
        inView(you, shown[0]);
        if (turn.retryIn) retryLater(turn, shown[0]);
        if (!isOpen()) {
          badge.textContent = " " + word(turn.error ? "notAnswered" : "newAnswer");
          badge.classList.toggle("is-error", !!turn.error);
          badge.hidden = !(news = [you, shown[0]]);
          root.classList.remove("is-tucked", "is-clear"); // slid away on a phone: back
        }
        busy = false;
        root.classList.remove("is-busy");
        // not away from an earlier answer the visitor went to meanwhile
        if (document.activeElement == from || !panel.contains(document.activeElement)) input.focus();
        if (queued) {
          drop(queued);
          queued = "";
          note("");
          if (input.value.trim()) return ask(true);
        }
        offer();
      });
  }

  /* The conversation kept for this tab (e.g. before "Read more") */
  function restore(empty) {
    while (greeting.nextSibling) log.removeChild(greeting.nextSibling);
    turns = empty ? [] : answered(load(STORE));
    unsent = empty ? [] : load(STORE + ":unsent");
    turns.forEach(function (turn) {
      markLanguage(youMessage(turn.q), turn);
      say(render(turn)[0]);
    });
    offer();
    refresh();
  }
  restore();
  // Back (back-forward cache): the conversation as it is now
  addEventListener("pageshow", function (e) { if (e.persisted && !busy) restore(); });
})();
