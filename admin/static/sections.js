// The console's sections that are not one table: the TVs (running text, media playlist, look),
// the hall's calendar, general settings with the TOML file, and the audit log.
// Fields come from the schema (forms.js); edits change the draft (admin.js saves it).
(function (global) {
  "use strict";

  const { el } = global.MppUI;
  const Forms = global.MppForms;
  const define = global.MppViews.define;
  const button = Forms.button;

  function card(title, help) {
    const box = el("section", "card");
    const head = el("header", "card-head");
    head.append(el("h2", "", title));
    if (help) head.append(el("p", "muted", help));
    box.append(head);
    return box;
  }

  function page(title, help) {
    const box = el("div", "page");
    const head = el("header", "page-head");
    const titles = el("div", "page-titles");
    titles.append(el("h1", "", title));
    if (help) titles.append(el("p", "muted", help));
    head.append(titles);
    box.append(head);
    const body = el("div", "cards");
    box.append(body);
    return { box, body };
  }

  function kib(bytes) {
    return bytes >= 1048576 ? (bytes / 1048576).toFixed(1).replace(".", ",") + " MB" : Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  // ------------------------------------------------------------ Layar TV

  let media = null; // GET /api/admin/media, fetched when the section opens

  define("layar", {
    owns: (tokens) => tokens[0] === "display" || (tokens[0] === "site" && tokens[1] === "running_text"),
    render(app, box) {
      const reader = app.reader;
      const draft = app.draft;
      const { box: root, body } = page("Layar TV", "Teks berjalan, gambar dan video, serta tampilan layar TV di semua zona.");

      const ticker = card("Teks berjalan");
      ticker.dataset.path = "site.running_text";
      const preview = el("div", "ticker-preview");
      const line = el("span", "", draft.site.running_text || "");
      preview.append(line);
      preview.hidden = !draft.site.running_text;
      ticker.append(Forms.fieldset(reader, reader.at(["site"]), draft.site, "site", {
        only: ["running_text"],
        onChange(key, value, path) {
          line.textContent = draft.site.running_text || "";
          preview.hidden = !draft.site.running_text;
          app.changed(path);
        },
      }), el("p", "eyebrow", "Pratinjau"), preview);
      body.append(ticker);

      const playlist = card("Gambar dan video", "Diputar bergantian di samping daftar panggilan.");
      playlist.dataset.path = "display.playlist";
      playlist.append(el("p", "field-error"));
      const mediaBox = el("div", "media-editor");
      playlist.append(mediaBox);
      body.append(playlist);
      const draw = () => drawMedia(app, mediaBox, draw);
      draw();
      app.api("GET", "/api/admin/media").then((answer) => {
        media = answer;
        draw();
      }).catch((err) => {
        mediaBox.replaceChildren(el("p", "note warn", err.message));
      });

      const look = card("Tampilan");
      look.append(Forms.fieldset(reader, reader.at(["display"]), draft.display, "display", {
        skip: ["playlist"],
        onChange: (key, value, path) => app.changed(path),
      }));
      body.append(look);
      box.append(root);
    },
  });

  function drawMedia(app, box, redraw) {
    const display = app.draft.display;
    const node = app.reader.at(["display", "playlist"]);
    box.replaceChildren();
    if (!media) {
      box.append(el("p", "muted", "Memuat isi folder media…"));
      return;
    }
    const files = new Map(media.files.map((f) => [f.name, f]));
    const custom = Array.isArray(display.playlist);
    const modes = el("div", "modes");
    modes.setAttribute("role", "radiogroup");
    modes.setAttribute("aria-label", node.title);
    for (const [value, text] of [[false, "Semua berkas di folder, urut nama"], [true, "Pilih dan atur urutan sendiri"]]) {
      const label = el("label", "mode");
      const input = el("input");
      input.type = "radio";
      input.name = "playlist-mode";
      input.checked = custom === value;
      input.addEventListener("change", () => {
        if (value) display.playlist = media.files.map((f) => f.name);
        else delete display.playlist;
        app.changed();
        redraw();
      });
      label.append(input, el("span", "", text));
      modes.append(label);
    }
    box.append(modes, el("p", "help", node["x-help"] || ""));
    if (!media.files.length && !custom) {
      box.append(el("p", "note", "Folder media masih kosong. Salin gambar (PNG, JPG) atau video (MP4) ke folder media " +
        "di PC hub; berkasnya muncul di sini dalam beberapa menit."));
      return;
    }
    if (!custom) {
      const list = el("ol", "media-list");
      for (const file of media.files) list.append(mediaRow(file.name, files.get(file.name)));
      box.append(list);
      return;
    }
    const chosen = display.playlist;
    box.append(el("h3", "", "Diputar, menurut urutan ini"));
    const list = el("ol", "media-list");
    chosen.forEach((name, index) => {
      const row = mediaRow(name, files.get(name));
      const tools = el("span", "row-tools");
      const move = (step) => () => {
        const next = chosen.slice();
        [next[index], next[index + step]] = [next[index + step], next[index]];
        display.playlist = next;
        app.changed();
        redraw();
      };
      const up = button("↑", "icon-btn", move(-1));
      up.disabled = index === 0;
      up.setAttribute("aria-label", "Naikkan " + name);
      const down = button("↓", "icon-btn", move(1));
      down.disabled = index === chosen.length - 1;
      down.setAttribute("aria-label", "Turunkan " + name);
      const drop = button("Keluarkan", "btn small ghost", () => {
        display.playlist = chosen.filter((n) => n !== name);
        app.changed();
        redraw();
      });
      tools.append(up, down, drop);
      row.append(tools);
      list.append(row);
    });
    if (!chosen.length) list.append(el("li", "muted", "Belum ada berkas yang dipilih: TV tidak menampilkan media."));
    box.append(list);
    const others = media.files.filter((f) => !chosen.includes(f.name));
    if (others.length) {
      box.append(el("h3", "", "Berkas lain di folder"));
      const rest = el("ul", "media-list");
      for (const file of others) {
        const row = mediaRow(file.name, file);
        row.append(button("Tambahkan", "btn small ghost", () => {
          display.playlist = [...chosen, file.name];
          app.changed();
          redraw();
        }));
        rest.append(row);
      }
      box.append(rest);
    }
  }

  function mediaRow(name, file) {
    const row = el("li", "media-row");
    row.dataset.name = name;
    const thumb = el("span", "thumb");
    if (file && file.kind === "image") {
      const img = el("img");
      img.alt = "";
      img.loading = "lazy";
      img.src = "/display/media/" + encodeURIComponent(name);
      thumb.append(img);
    } else {
      thumb.textContent = file ? "Video" : "?";
    }
    const text = el("span", "media-name");
    text.append(el("strong", "", name));
    text.append(el("span", "muted", file ? (file.kind === "image" ? "Gambar" : "Video") + " · " + kib(file.bytes)
      : "Tidak ada di folder: dilewati"));
    row.append(thumb, text);
    if (!file) row.classList.add("missing");
    return row;
  }

  // ------------------------------------------------------------ Kalender

  define("kalender", {
    owns: (tokens) => tokens[0] === "calendar",
    render(app, box, helpers) {
      const reader = app.reader;
      const calendar = app.draft.calendar || (app.draft.calendar = {});
      const node = reader.at(["calendar"]);
      const { box: root, body } = page(node.title || "Kalender", node["x-help"]);
      const redraw = () => helpers.draw();
      body.append(hoursCard(app, calendar, redraw));
      body.append(listCard(app, calendar, "breaks", { name: "Istirahat salat Jumat", days: ["jumat"], start: "11:30", end: "13:00" },
        "Tambah istirahat", redraw));
      body.append(listCard(app, calendar, "holidays", {}, "Tambah hari libur", redraw));
      body.append(listCard(app, calendar, "closures", {}, "Tambah penutupan", redraw));
      box.append(root);
    },
  });

  // One row per weekday: open or not, and from when to when.
  function hoursCard(app, calendar, redraw) {
    const reader = app.reader;
    const tableNode = reader.at(["calendar", "hours"]);
    const item = reader.item(["calendar", "hours"]);
    const days = item.properties.day.enum || [];
    const box = card(tableNode.title, tableNode["x-help"]);
    box.dataset.path = "calendar.hours";
    box.append(el("p", "field-error"));
    const hours = calendar.hours || [];
    if (!hours.length) {
      box.append(el("p", "note warn", "Jam buka MPP belum diatur: nomor dibagikan setiap hari, mengikuti jam masing-masing " +
        "layanan. Centang hari buka untuk mengaturnya."));
    }
    const grid = el("div", "week");
    const head = el("div", "week-row week-head");
    head.append(el("span", "", reader.resolve(item.properties.day).title), el("span", "", "Buka"),
      el("span", "", reader.resolve(item.properties.open).title), el("span", "", reader.resolve(item.properties.close).title));
    grid.append(head);
    for (const day of days) {
      const index = hours.findIndex((h) => h.day === day);
      const entry = index >= 0 ? hours[index] : null;
      const row = el("div", "week-row");
      row.dataset.day = day;
      row.dataset.path = "calendar.hours[" + index + "]";
      const name = el("span", "day", Forms.choiceLabel(day));
      const open = el("label", "switch");
      const input = el("input");
      input.type = "checkbox";
      input.checked = Boolean(entry);
      input.setAttribute("aria-label", "Buka hari " + Forms.choiceLabel(day));
      input.addEventListener("change", () => {
        const list = (calendar.hours || []).filter((h) => h.day !== day);
        if (input.checked) {
          const like = list[list.length - 1] || { open: "08:00", close: "15:00" };
          list.push({ day, open: like.open, close: like.close });
          list.sort((a, b) => days.indexOf(a.day) - days.indexOf(b.day));
        }
        calendar.hours = list; // empty: no weekly hours (open every day), as the hub writes it
        app.changed();
        redraw();
      });
      open.append(input, el("span", "switch-track"), el("span", "switch-text", entry ? "Buka" : "Tutup"));
      row.append(name, open);
      if (entry) {
        for (const key of ["open", "close"]) {
          const f = Forms.field(key, {
            node: reader.resolve(item.properties[key]), value: entry[key], path: "calendar.hours[" + index + "]." + key,
            onChange(value) {
              if (value === undefined) delete entry[key];
              else entry[key] = value;
              app.changed("calendar.hours[" + index + "]." + key);
            },
          });
          f.classList.add("bare");
          row.append(f);
        }
      } else {
        row.append(el("span", "muted closed", "Tutup sepanjang hari"), el("span"));
      }
      grid.append(row);
    }
    box.append(grid);
    return box;
  }

  // A list of calendar entries (breaks, holidays, closures): one compact form per entry.
  function listCard(app, calendar, key, template, addText, redraw) {
    const reader = app.reader;
    const tableNode = reader.at(["calendar", key]);
    const item = reader.item(["calendar", key]);
    const box = card(tableNode.title, tableNode["x-help"]);
    box.dataset.path = "calendar." + key;
    box.append(el("p", "field-error"));
    const list = calendar[key] || [];
    const rows = el("div", "entries");
    list.forEach((entry, index) => {
      const row = el("div", "entry");
      row.dataset.path = "calendar." + key + "[" + index + "]";
      const fields = Forms.fieldset(reader, item, entry, "calendar." + key + "[" + index + "]", {
        onChange: (name, value, path) => app.changed(path),
      });
      fields.classList.add("inline");
      const remove = button("Hapus", "btn small ghost danger", () => {
        calendar[key] = (calendar[key] || []).filter((e) => e !== entry);
        app.changed();
        redraw();
      });
      remove.setAttribute("aria-label", "Hapus " + (entry.name || entry.reason || entry.date || "baris ini"));
      row.append(fields, remove);
      rows.append(row);
    });
    if (!list.length) rows.append(el("p", "muted", "Belum ada."));
    box.append(rows);
    box.append(button("+ " + addText, "btn small ghost add", () => {
      const entry = structuredClone(template);
      for (const [name, raw] of Object.entries(item.properties)) {
        const child = reader.resolve(raw);
        if (entry[name] === undefined && child.default !== undefined && child.default !== null) entry[name] = child.default;
      }
      calendar[key] = [...(calendar[key] || []), entry];
      app.changed();
      redraw();
      const added = document.querySelector('[data-path="calendar.' + key + "[" + (calendar[key].length - 1) + ']"] input');
      if (added) added.focus();
    }));
    return box;
  }

  // ------------------------------------------------------------ Survei kepuasan (SKM)

  // The survey's [survey] section (docs/survey.md): the counter tablets, publishing the IKM on the TVs, and the
  // nine questions. Its words and ranges come from the schema, as everywhere.
  define("survei", {
    owns: (tokens) => tokens[0] === "survey",
    render(app, box) {
      const reader = app.reader;
      const survey = reader.at(["survey"]);
      const { box: root, body } = page(survey.title || "Survei kepuasan", "Tablet survei di loket, publikasi IKM di " +
        "layar TV, dan sembilan pertanyaan SKM. Hasilnya ada di halaman IKM.");
      const keys = Object.keys(survey.properties || {});
      const questions = keys.filter((key) => reader.resolve(survey.properties[key]).type === "object");
      const onChange = (key, value, path) => app.changed(path);
      const general = card("Tablet dan publikasi");
      general.append(Forms.fieldset(reader, survey, app.draft.survey, "survey", {
        only: keys.filter((key) => !questions.includes(key)), onChange,
      }));
      body.append(general);
      for (const key of questions) { // one card per unsur: its question and its four answers
        const node = reader.resolve(survey.properties[key]);
        const asked = card(node.title || key, node["x-help"]);
        asked.dataset.path = "survey." + key;
        asked.append(Forms.fieldset(reader, node, app.draft.survey[key], "survey." + key, { onChange }));
        body.append(asked);
      }
      box.append(root);
    },
  });

  // ------------------------------------------------------------ Pengaturan umum

  define("umum", {
    owns: (tokens) => tokens[0] === "site" || !["zones", "agencies", "services", "counters", "officers", "calendar",
      "display", "survey"].includes(tokens[0]),
    render(app, box) {
      const reader = app.reader;
      const site = reader.at(["site"]);
      const { box: root, body } = page(site.title || "Pengaturan umum", "Nama MPP, zona waktu, dan batas-batas umum.");
      const general = card("MPP");
      general.append(Forms.fieldset(reader, site, app.draft.site, "site", {
        skip: ["running_text"], onChange: (key, value, path) => app.changed(path),
      }));
      body.append(general);
      body.append(backupCard(app));
      box.append(root);
    },
  });

  function backupCard(app) {
    const box = card("Cadangan pengaturan", "Seluruh pengaturan sebagai satu berkas TOML, tanpa PIN. Simpan salinannya " +
      "sebelum perubahan besar; berkas yang sama dapat diimpor kembali.");
    const row = el("div", "row-buttons");
    row.append(button("Unduh berkas pengaturan", "btn ghost", async () => {
      try {
        const response = await app.api("GET", "/api/admin/config.toml", undefined, { raw: true });
        const blob = await response.blob();
        const name = (/filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "") || [])[1]
          || "mpp-konfigurasi.toml";
        const link = el("a");
        link.href = URL.createObjectURL(blob);
        link.download = name;
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(link.href), 10000);
      } catch (err) {
        app.notice(err.message, "error");
      }
    }));
    const input = el("input");
    input.type = "file";
    input.accept = ".toml,application/toml,text/plain";
    input.hidden = true;
    input.addEventListener("change", () => importFile(app, input));
    row.append(button("Impor berkas…", "btn ghost", () => input.click()), input);
    box.append(row);
    return box;
  }

  async function importFile(app, input) {
    const file = input.files && input.files[0];
    input.value = "";
    if (!file) return;
    const ok = await app.confirm({
      title: "Impor " + file.name + "?",
      body: ["Seluruh pengaturan diganti dengan isi berkas ini sebagai versi baru, dan langsung berlaku di semua layar.",
        "PIN petugas yang sudah ada tetap berlaku."].concat(app.dirty ? ["Perubahan yang belum disimpan akan dibuang."] : []),
      ok: "Impor", danger: true,
    });
    if (!ok) return;
    try {
      const text = await file.text();
      const answer = await app.api("PUT", "/api/admin/config.toml?version=" + app.version, text, { type: "application/toml" });
      await app.reload("Berkas diimpor sebagai versi " + answer.version + ".");
    } catch (err) {
      app.notice(err.message, "error");
    }
  }

  // ------------------------------------------------------------ Riwayat

  // The kinds of entry are named by the hub (`action_label`), and its filter's groups come with the page
  // (admin/page.py AdminBoot.audit_filters, server/audit.py): every part that writes entries names them there.
  let filter = "";

  define("riwayat", {
    owns: () => false,
    render(app, box) {
      const { box: root, body } = page("Riwayat", app.scope
        ? "Siapa mengubah apa dan kapan, untuk petugas instansi " + app.scope.agency + "."
        : "Siapa mengubah apa dan kapan: perubahan pengaturan, impor berkas, PIN, dan setiap upaya masuk.");
      const chips = el("div", "chips");
      chips.setAttribute("role", "tablist");
      const table = el("table", "grid audit");
      const more = button("Muat lebih banyak", "btn ghost", () => load(true));
      more.hidden = true;
      let before = null;
      const filters = [["", "Semua"], ...window.MppUI.boot().audit_filters
        .filter((f) => app.isAdmin || !f.admin_only).map((f) => [f.value, f.label])];
      for (const [value, text] of filters) {
        const chip = button(text, "chip-btn" + (value === filter ? " active" : ""), () => {
          filter = value;
          for (const other of chips.children) other.classList.toggle("active", other === chip);
          load(false);
        });
        chip.setAttribute("role", "tab");
        chips.append(chip);
      }
      const head = el("tr");
      for (const text of ["Waktu", "Oleh", "Kegiatan", "Keterangan", "Alamat", ""]) head.append(el("th", "", text));
      const thead = el("thead");
      thead.append(head);
      table.append(thead);
      const rows = el("tbody");
      table.append(rows);
      const wrap = card("Catatan kegiatan");
      wrap.append(chips, table, more);
      body.append(wrap);
      box.append(root);
      const when = new Intl.DateTimeFormat("id-ID", { timeZone: app.timezone, day: "numeric", month: "short",
        year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

      async function load(append) {
        const params = new URLSearchParams({ limit: "50" });
        if (filter) params.set("action", filter);
        if (append && before !== null) params.set("before", String(before));
        let answer;
        try {
          answer = await app.api("GET", "/api/admin/audit?" + params);
        } catch (err) {
          rows.replaceChildren(rowOf([err.message]));
          return;
        }
        if (!append) rows.replaceChildren();
        for (const entry of answer.entries) {
          const row = el("tr", "audit-row " + entry.action.replace(".", "-"));
          row.dataset.action = entry.action;
          row.append(el("td", "when", when.format(new Date(window.MppUI.parseTime(entry.at)))));
          const who = el("td", "actor");
          who.append(el("strong", "", entry.officer_name || entry.officer || "Hub"));
          if (entry.officer && entry.officer_name) who.append(el("span", "muted", " " + entry.officer));
          row.append(who, el("td", "", entry.action_label), el("td", "summary", entry.summary),
            el("td", "muted", entry.address || "—"));
          const tools = el("td");
          const version = entry.detail && entry.detail.version;
          if (entry.action.startsWith("config.") && typeof version === "number" && version > 1) {
            tools.append(button("Lihat perubahan", "btn small ghost", () => app.showVersion(version)));
          }
          row.append(tools);
          rows.append(row);
        }
        if (!rows.children.length) rows.append(rowOf(["Belum ada catatan."]));
        before = answer.next_before;
        more.hidden = before === null || before === undefined;
      }

      function rowOf(texts) {
        const row = el("tr");
        const cell = el("td", "muted", texts.join(" "));
        cell.colSpan = 6;
        row.append(cell);
        return row;
      }

      load(false);
    },
  });
})(window);
