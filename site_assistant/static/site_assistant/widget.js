/* The site assistant's widget: turns the bubble (a plain link to the search page) into a chat panel.
   Vanilla JS, no dependencies. Everything from the server is inserted as text, never HTML. */
(function () {
  "use strict";
  var root = document.querySelector(".site-assistant");
  if (!root || !window.fetch) return;

  var bubble = root.querySelector(".site-assistant__bubble");
  var panel = root.querySelector(".site-assistant__panel");
  var log = root.querySelector(".site-assistant__log");
  var form = root.querySelector(".site-assistant__form");
  var input = root.querySelector(".site-assistant__input");
  var closeButton = root.querySelector(".site-assistant__close");
  var cfg = root.dataset;
  var busy = false;

  bubble.setAttribute("role", "button");
  bubble.setAttribute("aria-expanded", "false");

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  }

  function link(href, text, cls) {
    var a = el("a", cls, text);
    a.href = href;
    return a;
  }

  function hitLink(hit) {
    return hit.url + (hit.anchor ? "#" + hit.anchor : "");
  }

  /* "Terms & Conditions — Example Shop" → "Terms & Conditions": the site name adds nothing here. */
  function pageTitle(hit) {
    return hit.title.replace(/\s+[—|–]\s+[^—|–]+$/, "") || hit.title;
  }

  /* "Terms & Conditions › Use of site": the page and the passage's own section (the
     heading path can be long: "Example Shop › Everything for your bike › Opening hours"). */
  function where(hit) {
    var title = pageTitle(hit);
    var section = hit.heading ? hit.heading.split(" › ").pop() : "";
    return section && section !== title ? title + " › " + section : title;
  }

  /* Passages start with their own heading ("Use of site. No abuse…"); it is shown above already. */
  function body(hit) {
    var last = hit.heading.split(" › ").pop();
    var text = hit.text;
    if (last && text.indexOf(last) === 0) text = text.slice(last.length).replace(/^[.:!?]?\s+/, "");
    return text || hit.text;
  }

  function shorten(text, max) {
    if (text.length <= max) return text;
    var cut = text.lastIndexOf(" ", max);
    return text.slice(0, cut > max * 0.6 ? cut : max) + "…";
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : cfg.csrf || "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken(),
        "X-Site-Assistant": "widget",
      },
      body: JSON.stringify(body),
    });
  }

  /* --- Opening, closing, focus ------------------------------------------ */
  function isOpen() {
    return !panel.hidden;
  }

  function open() {
    if (isOpen()) return input.focus();
    panel.hidden = false;
    root.classList.add("is-open");
    bubble.setAttribute("aria-expanded", "true");
    input.focus();
  }

  function close() {
    if (!isOpen()) return;
    panel.hidden = true;
    root.classList.remove("is-open");
    bubble.setAttribute("aria-expanded", "false");
    bubble.focus();
  }

  function focusables() {
    return Array.prototype.filter.call(
      panel.querySelectorAll("a[href], button:not([disabled]), input:not([disabled])"),
      function (node) { return node.offsetParent !== null; }
    );
  }

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  bubble.addEventListener("click", function (event) {
    event.preventDefault();
    if (isOpen()) close(); else open();
  });
  closeButton.addEventListener("click", close);

  document.addEventListener("keydown", function (event) {
    var key = event.key;
    if (isOpen() && key === "Escape") {
      event.preventDefault();
      return close();
    }
    if (isOpen() && key === "Tab") {
      var items = focusables();
      if (!items.length) return;
      var first = items[0];
      var last = items[items.length - 1];
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

  /* A link inside the panel navigates away (or to a section of this page): close first. */
  log.addEventListener("click", function (event) {
    var a = event.target.closest && event.target.closest("a[href]");
    if (a && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
      panel.hidden = true;
      root.classList.remove("is-open");
      bubble.setAttribute("aria-expanded", "false");
    }
  });

  /* --- Messages ------------------------------------------------------------ */
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

  /* "asked": the question is already in the log; the search page won't count it twice. */
  function seeAll(query, questionId) {
    var href = cfg.pageUrl + "?q=" + encodeURIComponent(query) + (questionId ? "&asked=" + questionId : "");
    return link(href, "See all results →", "site-assistant__all");
  }

  function feedback(questionId, token) {
    var box = el("div", "site-assistant__feedback");
    box.appendChild(el("span", "site-assistant__feedback-label", "Did this help?"));
    [[true, "👍 Yes"], [false, "👎 No"]].forEach(function (choice) {
      var button = el("button", "site-assistant__vote", choice[1]);
      button.type = "button";
      button.setAttribute("aria-pressed", "false");
      button.setAttribute("aria-label", choice[0] ? "Helpful" : "Not helpful");
      button.addEventListener("click", function () {
        post(cfg.feedbackUrl, { question_id: questionId, feedback_token: token, helpful: choice[0] }).then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          box.querySelectorAll("button").forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
          box.classList.add("is-done");
          var thanks = box.querySelector(".site-assistant__thanks") || box.appendChild(el("span", "site-assistant__thanks"));
          thanks.setAttribute("role", "status");
          thanks.textContent = choice[0] ? "Thank you! 💖" : "Thanks — we’ll improve this.";
        }).catch(function () {
          var thanks = box.querySelector(".site-assistant__thanks") || box.appendChild(el("span", "site-assistant__thanks"));
          thanks.textContent = "Couldn’t send that, sorry.";
        });
      });
      box.appendChild(button);
    });
    return box;
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

  function linkList(title, hits) {
    var box = el("div", "site-assistant__more");
    box.appendChild(el("p", "site-assistant__more-title", title));
    var list = el("ul");
    hits.forEach(function (hit) {
      var item = el("li");
      item.appendChild(link(hitLink(hit), where(hit)));
      list.appendChild(item);
    });
    box.appendChild(list);
    return box;
  }

  function answerMessage(data) {
    var msg = botMessage();
    var best = data.answer;
    if (data.corrected_query) {
      msg.appendChild(el("p", "site-assistant__corrected", "Searched for “" + data.corrected_query + "”"));
    }
    if (best) {
      msg.classList.add("site-assistant__msg--answer");
      msg.appendChild(el("p", "site-assistant__source", where(best)));
      msg.appendChild(el("blockquote", "site-assistant__text", shorten(body(best), 360)));
      msg.appendChild(link(hitLink(best), "Read more", "site-assistant__read"));
      var more = others(data.results, hitLink(best), 2);
      if (more.length) msg.appendChild(linkList("Also see", more));
    } else {
      msg.classList.add("site-assistant__msg--unsure");
      // A question in another language: the API's message ("I can only answer in English.").
      msg.appendChild(el("p", null, data.message || "I’m not sure — I couldn’t find a confident answer on this site."));
      var closest = others(data.results, null, 3);
      if (closest.length) msg.appendChild(linkList("The closest pages I found", closest));
      /* The owner's "write to us" link (SITE_ASSISTANT["CONTACT_URL"]); none when unset. */
      if (cfg.contactUrl) {
        var contact = el("p", "site-assistant__contact");
        contact.appendChild(document.createTextNode("Still stuck? "));
        contact.appendChild(link(cfg.contactUrl, "Ask us directly"));
        contact.appendChild(document.createTextNode(" — a human will answer."));
        msg.appendChild(contact);
      }
    }
    msg.appendChild(seeAll(data.query, data.question_id));
    if (data.question_id) msg.appendChild(feedback(data.question_id, data.feedback_token));
    return msg;
  }

  function errorText(response, body) {
    if (response.status === 429) {
      var wait = parseInt(response.headers.get("Retry-After"), 10);
      return "You’re asking faster than I can think! Try again in " + (wait > 0 ? wait : 60) + " seconds.";
    }
    if (response.status === 503) return "I’m still reading the site. Please try again in a minute.";
    if (response.status === 400 && body) {
      var first = body.q || body.k || body.non_field_errors || [body.detail];
      if (first && first[0]) return String(first[0]);
    }
    return "Something went wrong on my side. Please try again.";
  }

  /* The owner's suggested questions (SITE_ASSISTANT["SUGGESTED_QUESTIONS"]): a click asks one. */
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

  function ask() {
    var query = input.value.trim();
    if (!query || busy) return;
    busy = true;
    root.classList.add("is-busy");
    var you = el("div", "site-assistant__msg site-assistant__msg--you");
    you.appendChild(el("p", null, query));
    say(you);
    input.value = "";
    var dots = say(el("div", "site-assistant__typing"));
    dots.setAttribute("aria-hidden", "true");
    dots.appendChild(el("span"));
    dots.appendChild(el("span"));
    dots.appendChild(el("span"));

    var response;
    post(cfg.searchUrl, { q: query, k: 5 })
      .then(function (r) {
        response = r;
        return r.json().catch(function () { return null; });
      })
      .then(function (body) {
        if (!response.ok || !body) throw { friendly: errorText(response, body) };
        return answerMessage(body);
      })
      .catch(function (error) {
        var msg = botMessage((error && error.friendly) ||
          "I can’t reach the server right now. Please try again.");
        msg.classList.add("site-assistant__msg--error");
        msg.appendChild(seeAll(query));
        return msg;
      })
      .then(function (msg) {
        dots.remove();
        say(msg);
        /* Show the question and the start of the answer, not the end of a long answer. */
        log.scrollTop = Math.max(0, Math.min(you.offsetTop - 12, log.scrollHeight));
        busy = false;
        root.classList.remove("is-busy");
        input.focus();
      });
  }
})();
