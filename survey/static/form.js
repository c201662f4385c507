// The survey form of one ticket, one question per screen: the counter tablet and the citizen's phone.
//
//   const form = MppSurvey.form(container, {
//     token, channel: "tablet" | "status",
//     onFinished(kind) {},   // "saved", "answered" (it already had its response) or "closed" (cannot be answered)
//     onProgress() {},       // any touch or answer: the tablet's idle timer starts again
//   });
//   form.start();
//
// Everything it says comes from the hub: the questions, their answers, the intro, the thanks and the
// state of the ticket (GET /api/survey/{token}); a refusal shows the hub's message as it is.
(function (global) {
  "use strict";

  const { el } = global.MppUI;
  const TIMEOUT_MS = 10000;
  const ADVANCE_MS = 180; // the chosen answer stays lit this long before the next question

  async function call(method, path, body) {
    let response;
    try {
      response = await fetch(path, {
        method, cache: "no-store", signal: AbortSignal.timeout(TIMEOUT_MS),
        headers: body ? { "Content-Type": "application/json" } : {},
        body: body ? JSON.stringify(body) : undefined,
      });
    } catch (err) {
      return { status: 0, data: null };
    }
    let data = null;
    try {
      data = await response.json();
    } catch (err) {
      data = null;
    }
    return { status: response.status, data };
  }

  const OFFLINE = "Tidak dapat menghubungi server. Periksa jaringan, lalu coba lagi.";

  function form(root, options) {
    const state = { survey: null, step: 0, answers: {}, profile: {}, saran: "", sending: false, stopped: false,
      advancing: false };
    const url = "/api/survey/" + encodeURIComponent(options.token);
    const progress = () => options.onProgress && options.onProgress();

    function screen(className) {
      root.replaceChildren();
      const node = el("div", "survey-screen " + className);
      root.append(node);
      return node;
    }

    function message(text, kind, retry) {
      const node = screen("survey-message " + (kind || ""));
      node.append(el("p", "survey-message-text", text));
      if (retry) {
        const again = el("button", "survey-button primary", "Coba lagi");
        again.type = "button";
        again.addEventListener("click", retry);
        node.append(again);
      }
    }

    function header(node) {
      const s = state.survey;
      const head = el("div", "survey-head");
      head.append(el("span", "survey-ticket", s.ticket.number), el("span", "survey-service", s.ticket.service_name));
      node.append(head);
    }

    function bar(node, step, total) {
      const track = el("div", "survey-progress");
      track.setAttribute("role", "progressbar");
      track.setAttribute("aria-valuemin", "0");
      track.setAttribute("aria-valuemax", String(total));
      track.setAttribute("aria-valuenow", String(step));
      const fill = el("div", "survey-progress-fill");
      fill.style.width = Math.round((step / total) * 100) + "%";
      track.append(fill);
      node.append(track);
    }

    function back(node, onBack) {
      const button = el("button", "survey-back", "‹ Kembali");
      button.type = "button";
      button.addEventListener("click", () => {
        progress();
        onBack();
      });
      node.append(button);
    }

    function showQuestion() {
      const s = state.survey;
      const q = s.questions[state.step];
      const node = screen("survey-question");
      header(node);
      bar(node, state.step, s.questions.length + 1);
      if (state.step === 0 && s.intro) node.append(el("p", "survey-intro", s.intro));
      node.append(el("p", "survey-step", "Pertanyaan " + (state.step + 1) + " dari " + s.questions.length));
      const title = el("h2", "survey-text", q.question);
      title.id = "survey-q-" + q.key;
      node.append(title);
      const list = el("div", "survey-options");
      list.setAttribute("role", "radiogroup");
      list.setAttribute("aria-labelledby", title.id);
      for (const option of q.options) {
        const button = el("button", "survey-option score-" + option.score, option.label);
        button.type = "button";
        button.dataset.score = String(option.score);
        button.setAttribute("role", "radio");
        button.setAttribute("aria-checked", state.answers[q.key] === option.score ? "true" : "false");
        if (state.answers[q.key] === option.score) button.classList.add("chosen");
        button.addEventListener("click", () => choose(q.key, option.score, button));
        list.append(button);
      }
      node.append(list);
      if (state.step > 0) back(node, () => {
        state.step -= 1;
        showQuestion();
      });
    }

    function choose(key, score, button) {
      if (state.advancing) return;
      progress();
      state.answers[key] = score;
      state.advancing = true;
      for (const other of button.parentNode.children) {
        other.classList.toggle("chosen", other === button);
        other.setAttribute("aria-checked", other === button ? "true" : "false");
      }
      setTimeout(() => {
        state.advancing = false;
        if (state.stopped) return;
        state.step += 1;
        if (state.step < state.survey.questions.length) showQuestion();
        else showLast();
      }, ADVANCE_MS);
    }

    // The last screen: the optional profile and saran, and the button that sends everything.
    function showLast(error) {
      const s = state.survey;
      const node = screen("survey-last");
      header(node);
      bar(node, s.questions.length, s.questions.length + 1);
      node.append(el("h2", "survey-text", "Tentang Anda"), el("p", "survey-note", "Boleh dilewati. Kami tidak " +
        "menanyakan nama atau NIK Anda."));
      for (const question of s.profile) {
        const group = el("fieldset", "survey-profile");
        group.append(el("legend", "", question.label));
        for (const choice of question.choices) {
          const chip = el("button", "survey-chip", choice.label);
          chip.type = "button";
          chip.dataset.key = question.key;
          chip.dataset.code = choice.code;
          chip.setAttribute("aria-pressed", state.profile[question.key] === choice.code ? "true" : "false");
          chip.addEventListener("click", () => {
            progress();
            const chosen = state.profile[question.key] === choice.code;
            if (chosen) delete state.profile[question.key];
            else state.profile[question.key] = choice.code;
            for (const other of group.querySelectorAll(".survey-chip")) {
              other.setAttribute("aria-pressed", state.profile[question.key] === other.dataset.code ? "true" : "false");
            }
          });
          group.append(chip);
        }
        node.append(group);
      }
      const label = el("label", "survey-saran-label", "Saran dan masukan (boleh dikosongkan)");
      label.htmlFor = "survey-saran";
      const saran = el("textarea", "survey-saran");
      saran.id = "survey-saran";
      saran.maxLength = s.saran_max;
      saran.rows = 3;
      saran.value = state.saran;
      const left = el("p", "survey-count", "");
      const count = () => {
        left.textContent = saran.value.length + " / " + s.saran_max;
      };
      saran.addEventListener("input", () => {
        state.saran = saran.value;
        count();
        progress();
      });
      count();
      node.append(label, saran, left);
      const said = el("p", "survey-error", error || "");
      said.setAttribute("role", "alert");
      const send = el("button", "survey-button primary survey-send", "Kirim penilaian");
      send.type = "button";
      send.addEventListener("click", () => submit(send, said));
      node.append(said, send);
      back(node, () => {
        state.step = s.questions.length - 1;
        showQuestion();
      });
    }

    async function submit(button, said) {
      if (state.sending) return;
      progress();
      state.sending = true;
      button.disabled = true;
      button.textContent = "Mengirim…";
      const body = { answers: state.answers, profile: state.profile, channel: options.channel };
      if (state.saran.trim()) body.saran = state.saran;
      const { status, data } = await call("POST", url, body);
      state.sending = false;
      if (state.stopped) return;
      if (status === 201) {
        message(data.message, "thanks");
        finish("saved");
        return;
      }
      const error = (data && data.error) || {};
      if (status === 409 && error.code === "already_answered") {
        message(error.message, "thanks");
        finish("answered");
        return;
      }
      if (status === 409 || status === 404) {
        message(error.message || OFFLINE, "closed");
        finish("closed");
        return;
      }
      button.disabled = false;
      button.textContent = "Kirim penilaian";
      said.textContent = error.message || (status ? "Server menjawab dengan kode " + status + "." : OFFLINE);
    }

    function finish(kind) {
      if (options.onFinished) options.onFinished(kind);
    }

    async function start() {
      message("Memuat survei…", "loading");
      const { status, data } = await call("GET", url);
      if (state.stopped) return;
      if (status !== 200 || !data) {
        const error = (data && data.error) || {};
        if (status === 404) {
          message(error.message, "closed");
          finish("closed");
        } else {
          message(error.message || OFFLINE, "closed", start);
        }
        return;
      }
      state.survey = data;
      if (data.state === "open") {
        state.step = 0;
        showQuestion();
      } else {
        message(data.message, data.state === "answered" ? "thanks" : "closed");
        finish(data.state === "answered" ? "answered" : "closed");
      }
    }

    return {
      start,
      stop() {
        state.stopped = true;
        root.replaceChildren();
      },
      get started() {
        return Object.keys(state.answers).length > 0;
      },
    };
  }

  global.MppSurvey = { form };
})(window);
