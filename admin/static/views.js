// The console's sections: the navigation, the lists of the configuration's tables (agencies,
// services, counters, zones, officers) with an editor beside them, and a place for the other
// sections (sections.js: the TVs, the calendar, general settings, the audit log).
//
// Every field of an editor comes from the schema (forms.js); edits change the draft at once
// (admin.js keeps it and saves it). A koordinator sees only what the hub says they may change
// (`scope` of GET /api/admin/config) and what they add themselves.
(function (global) {
  "use strict";

  const { el } = global.MppUI;
  const Forms = global.MppForms;
  const Changes = global.MppChanges;

  // How each table reads in the console; labels of columns that are keys come from the schema.
  const TABLES = {
    services: {
      section: "layanan", noun: "layanan",
      columns: [["code", "Kode"], ["name", "Nama"], "agency", ["hours", "Jam"], ["daily_quota", "Kuota"],
        ["status", "Status"]],
      search: ["code", "name", "description", "agency"],
    },
    counters: {
      section: "loket", noun: "loket",
      columns: [["id", "Kode"], ["name", "Nama"], "zone", "services", ["status", "Status"]],
      search: ["id", "name", "zone"],
    },
    officers: {
      section: "petugas", noun: "petugas",
      columns: [["username", "Pengguna"], ["name", "Nama"], "role", "agency", "counters", ["status", "Status"]],
      search: ["username", "name", "agency", "role"],
      order: ["username", "name", "role", "agency", "counters", "pin_set", "pin", "active"], // who, what, where, PIN
    },
    agencies: {
      section: "instansi", noun: "instansi",
      columns: [["code", "Kode"], ["name", "Nama"], "short_name", ["services", "Layanan"]],
      search: ["code", "name", "short_name"],
    },
    zones: {
      section: "zona", noun: "zona", columns: [["id", "Kode"], ["name", "Nama"], ["counters", "Loket"],
        ["address", "Alamat TV"]],
      search: ["id", "name"],
    },
  };

  // The navigation: groups of sections. `table`: a list with an editor; `custom`: drawn by sections.js;
  // with an address, a link to another admin page.
  const NAV = [
    ["Data pelayanan", [["layanan", "services"], ["loket", "counters"], ["petugas", "officers"],
      ["instansi", "agencies"], ["zona", "zones", true]]],
    ["Tampilan dan jadwal", [["layar", "Layar TV", true], ["kalender", "Kalender", true],
      ["suara", "Suara panggilan", true, "/admin/voice"]]],
    ["Sistem", [["survei", "Survei kepuasan", true], ["umum", "Pengaturan umum", true], ["riwayat", "Riwayat", false]]],
  ];

  const custom = {}; // section id -> {title, render(app, box, helpers), path(tokens) -> bool}

  function create(app) {
    let started = false;
    let section = null;
    let selected = null; // the draft item open in the editor
    let query = "";
    let agencyFilter = "";

    // ---------------------------------------------------------- navigation

    function sections() {
      const out = [];
      for (const [group, items] of NAV) {
        const shown = items.filter(([, , adminOnly]) => app.isAdmin || !adminOnly);
        if (shown.length) out.push([group, shown.map(([id, what, , href]) => ({ id, href,
          table: TABLES[what] ? what : null, title: TABLES[what] ? tableTitle(what) : what }))]);
      }
      return out;
    }

    function all() {
      return sections().flatMap(([, items]) => items).filter((item) => !item.href);
    }

    function tableTitle(table) {
      return app.reader.resolve(app.reader.root.properties[table]).title || table;
    }

    function drawNav() {
      const nav = document.getElementById("nav");
      nav.replaceChildren();
      const touched = touchedSections();
      for (const [group, items] of sections()) {
        nav.append(el("p", "nav-group", group));
        for (const item of items) {
          if (item.href) { // another page of the admin area, in this tab: the session goes with it
            const away = el("a", "nav-item nav-link");
            away.href = item.href;
            away.append(el("span", "nav-title", item.title));
            nav.append(away);
            continue;
          }
          const link = el("button", "nav-item");
          link.type = "button";
          link.dataset.section = item.id;
          link.append(el("span", "nav-title", item.title));
          if (touched.has(item.id)) {
            const dot = el("span", "nav-dot");
            dot.title = "Ada perubahan yang belum disimpan";
            dot.setAttribute("aria-label", dot.title);
            link.append(dot);
          }
          if (item.table) link.append(el("span", "nav-count", String(visibleItems(item.table).length)));
          if (item.id === section) {
            link.classList.add("active");
            link.setAttribute("aria-current", "page");
          }
          link.addEventListener("click", () => show({ id: item.id }));
          nav.append(link);
        }
      }
    }

    // Which sections hold unsaved changes (a dot in the navigation).
    function touchedSections() {
      const out = new Set();
      for (const entry of app.changes) {
        if (entry.item) out.add(sectionOf(entry.tokens));
        else for (const f of entry.fields) out.add(sectionOf([...entry.tokens, f.key])); // site: TVs or general
      }
      return out;
    }

    function sectionOf(tokens) {
      const [first, second] = tokens;
      if (TABLES[first]) return TABLES[first].section;
      for (const [id, view] of Object.entries(custom)) if (view.owns(tokens)) return id;
      return first === "site" && second === "running_text" ? "layar" : "umum";
    }

    // ---------------------------------------------------------- what a koordinator sees

    function visible(table, item) {
      const scope = app.scope;
      if (!scope) return true;
      const origin = app.origin(item);
      if (table === "agencies") return (origin ?? item.code) === scope.agency;
      if (!Array.isArray(scope[table])) return true; // zones: everyone's to choose from
      if (origin === null) return true; // added in this draft
      return (scope[table] || []).includes(origin);
    }

    function visibleItems(table) {
      return (app.draft[table] || []).filter((item) => visible(table, item));
    }

    // Choices for a key naming another table's items (`x-ref`).
    function choices(table) {
      const key = keyOf(table);
      return visibleItems(table).filter((item) => item[key] !== undefined && item[key] !== "").map((item) => ({
        value: String(item[key]), label: refLabel(table, item),
      }));
    }

    function refLabel(table, item) {
      if (table === "agencies") return item.code + " · " + (item.short_name || item.name || "");
      if (table === "services") return item.code + " · " + (item.name || "");
      return item.name || String(item[keyOf(table)]);
    }

    function keyOf(table) {
      return app.reader.resolve(app.reader.root.properties[table])["x-key"];
    }

    // ---------------------------------------------------------- sections

    function current() {
      const table = section && sectionTable(section);
      return { id: section, key: selected && table ? selected[keyOf(table)] : null };
    }

    function sectionTable(id) {
      return Object.keys(TABLES).find((t) => TABLES[t].section === id) || null;
    }

    // `where`: {id, key} or {id, item}: the section, and the item to open in it.
    function show(where) {
      const known = all();
      const id = where && known.some((s) => s.id === where.id) ? where.id : known[0].id;
      if (id !== section) {
        query = "";
        agencyFilter = "";
      }
      section = id;
      const table = sectionTable(id);
      if (table) {
        const key = keyOf(table);
        selected = where && where.item ? where.item
          : where && where.key !== undefined && where.key !== null
            ? visibleItems(table).find((item) => String(item[key]) === String(where.key)) || null : null;
      } else {
        selected = null;
      }
      draw();
    }

    function draw() {
      drawNav();
      const box = document.getElementById("view");
      box.replaceChildren();
      const table = sectionTable(section);
      if (table) box.append(tablePage(table));
      else custom[section].render(app, box, helpers);
      const error = app.lastError;
      if (error) Forms.markError(box, error.path, error.message, false);
    }

    // After an edit: the list, the editor's title and the navigation follow; the fields stay as
    // they are (the one being typed in keeps its focus).
    function refresh() {
      if (!started) return;
      drawNav();
      const table = sectionTable(section);
      if (!table) return;
      const list = document.querySelector("#view .list-pane");
      if (list) list.replaceWith(listPane(table));
      const head = document.querySelector("#view .editor-head");
      if (head && selected) head.replaceWith(editorHead(table, selected));
      const editor = document.querySelector("#view .editor");
      if (editor && selected) {
        // The notes follow the edit: a PIN typed, a counter ticked.
        const notes = editorNotes(table, selected);
        const shown = editor.querySelector(".notes");
        if (shown && notes) shown.replaceWith(notes);
        else if (shown) shown.remove();
        else if (notes) editor.querySelector(".editor-foot").before(notes);
      }
      const save = document.querySelector("#view .editor-foot .save");
      if (save) save.disabled = !app.dirty;
      if (selected && !(app.draft[table] || []).includes(selected)) {
        selected = null;
        draw();
      }
    }

    // ---------------------------------------------------------- a table: list and editor

    function tablePage(table) {
      const spec = TABLES[table];
      const node = app.reader.resolve(app.reader.root.properties[table]);
      const page = el("div", "page table-page");
      page.dataset.path = table;
      const head = el("header", "page-head");
      const titles = el("div", "page-titles");
      titles.append(el("h1", "", tableTitle(table)));
      if (node["x-help"]) titles.append(el("p", "muted", node["x-help"]));
      titles.append(el("p", "field-error"));
      const tools = el("div", "page-tools");
      const search = el("input", "input search");
      search.type = "search";
      search.placeholder = "Cari " + spec.noun + "…";
      search.value = query;
      search.setAttribute("aria-label", "Cari " + spec.noun);
      search.addEventListener("input", () => {
        query = search.value;
        refresh();
      });
      tools.append(search);
      if (["services", "counters", "officers"].includes(table) && !app.scope && (app.draft.agencies || []).length > 1) {
        const filter = el("select", "input filter");
        filter.setAttribute("aria-label", "Saring menurut instansi");
        filter.append(new Option("Semua instansi", ""));
        for (const c of choices("agencies")) filter.append(new Option(c.label, c.value));
        filter.value = agencyFilter;
        filter.addEventListener("change", () => {
          agencyFilter = filter.value;
          refresh();
        });
        tools.append(filter);
      }
      if (canAdd(table)) {
        const add = el("button", "btn primary", "+ Tambah " + spec.noun);
        add.type = "button";
        add.dataset.add = table;
        add.addEventListener("click", () => addItem(table));
        tools.append(add);
      }
      head.append(titles, tools);
      const split = el("div", "split");
      split.append(listPane(table), editorPane(table));
      page.append(head, split);
      return page;
    }

    function canAdd(table) {
      if (table === "agencies") return !app.scope;
      return !app.scope || ["services", "counters", "officers"].includes(table);
    }

    function matches(table, item) {
      const spec = TABLES[table];
      if (agencyFilter && !itemAgencies(table, item).includes(agencyFilter)) return false;
      if (!query.trim()) return true;
      const needle = query.trim().toLowerCase();
      return spec.search.some((key) => String(item[key] ?? "").toLowerCase().includes(needle));
    }

    function itemAgencies(table, item) {
      if (table === "services" || table === "officers") return [item.agency];
      if (table === "counters") return (item.services || []).map((code) => (serviceByCode(code) || {}).agency);
      return [];
    }

    function serviceByCode(code) {
      return (app.draft.services || []).find((s) => s.code === code);
    }

    function listPane(table) {
      const spec = TABLES[table];
      const itemNode = app.reader.item([table]);
      const pane = el("div", "list-pane");
      const items = visibleItems(table);
      const shown = items.filter((item) => matches(table, item));
      const grid = el("table", "grid");
      const head = el("tr");
      for (const column of spec.columns) {
        const [key, label] = Array.isArray(column) ? column : [column, null];
        head.append(el("th", "col-" + key, label || (itemNode.properties[key] || {}).title || key));
      }
      const thead = el("thead");
      thead.append(head);
      grid.append(thead);
      const body = el("tbody");
      const all = app.draft[table] || [];
      for (const item of shown) {
        const row = el("tr", "row");
        const index = all.indexOf(item);
        row.dataset.key = String(item[keyOf(table)] ?? "");
        row.dataset.path = table + "[" + index + "]";
        row.tabIndex = 0;
        if (item === selected) row.classList.add("selected");
        if (item.active === false) row.classList.add("inactive");
        for (const column of spec.columns) {
          const key = Array.isArray(column) ? column[0] : column;
          const cell = el("td", "col-" + key);
          cellContent(table, item, key, cell);
          row.append(cell);
        }
        row.addEventListener("click", () => select(table, item));
        row.addEventListener("keydown", (event) => {
          if (event.key === "Enter" || event.key === " ") {
            event.preventDefault();
            select(table, item);
          }
        });
        body.append(row);
      }
      grid.append(body);
      pane.append(grid);
      const count = shown.length === items.length ? items.length + " " + spec.noun
        : shown.length + " dari " + items.length + " " + spec.noun;
      pane.append(el("p", "list-count", count));
      if (!items.length) pane.append(el("p", "empty", "Belum ada " + spec.noun + "."));
      return pane;
    }

    function cellContent(table, item, key, cell) {
      const value = item[key];
      if (key === "hours") {
        cell.textContent = item.open || item.close ? (item.open || "…") + "–" + (item.close || "…") : "Jam MPP";
        if (!item.open && !item.close) cell.title = "Nomor dibagikan sepanjang jam buka MPP";
      } else if (key === "daily_quota") {
        cell.textContent = value ? String(value) : "Tanpa batas";
      } else if (key === "status") {
        statusBadges(table, item, cell);
      } else if (key === "services" && table === "agencies") {
        cell.textContent = String((app.draft.services || []).filter((s) => s.agency === item.code).length);
      } else if (key === "counters" && table === "zones") {
        cell.textContent = String((app.draft.counters || []).filter((c) => c.zone === item.id).length);
      } else if (key === "address") {
        cell.append(el("code", "", "/display?zone=" + item.id));
      } else if (key === "counters" && table === "officers") {
        cell.textContent = value === undefined || value === null ? "Semua loket"
          : value.map((id) => counterName(id)).join(", ") || "—";
      } else if (key === "zone") {
        const zone = (app.draft.zones || []).find((z) => z.id === value);
        cell.textContent = zone ? zone.name || zone.id : value || "—";
      } else if (key === "role") {
        cell.append(el("span", "role " + value, Forms.choiceLabel(value || "petugas")));
      } else if (Array.isArray(value)) {
        for (const part of value) cell.append(el("span", "chip", part));
      } else {
        cell.textContent = value === undefined || value === null || value === "" ? "—" : String(value);
      }
    }

    function counterName(id) {
      const counter = (app.draft.counters || []).find((c) => c.id === id);
      return counter ? counter.name : id;
    }

    function statusBadges(table, item, cell) {
      const origin = app.origin(item);
      if (origin === null) cell.append(el("span", "badge new", "Baru"));
      else if (!Changes.same(baseItem(table, origin), item)) cell.append(el("span", "badge edited", "Diubah"));
      if (item.active === false) cell.append(el("span", "badge off", "Nonaktif"));
      else if (table === "services" || table === "officers") cell.append(el("span", "badge on", "Aktif"));
      if (table === "officers" && !item.pin_set && !item.pin) cell.append(el("span", "badge warn", "Belum ada PIN"));
      if (table === "services" && !(app.draft.counters || []).some((c) => (c.services || []).includes(item.code))) {
        cell.append(el("span", "badge warn", "Tanpa loket"));
      }
      if (table === "officers" && Array.isArray(item.counters) && !item.counters.length) {
        cell.append(el("span", "badge warn", "Tanpa loket"));  // an empty list is no counter, not every one
      }
    }

    function baseItem(table, key) {
      const k = keyOf(table);
      return (app.base[table] || []).find((item) => String(item[k]) === key);
    }

    function select(table, item) {
      selected = item;
      const pane = document.querySelector("#view .editor-pane");
      if (pane) pane.replaceWith(editorPane(table));
      for (const row of document.querySelectorAll("#view .grid tr.row")) row.classList.remove("selected");
      const all = app.draft[table] || [];
      const row = document.querySelector('#view .grid tr[data-path="' + table + "[" + all.indexOf(item) + ']"]');
      if (row) row.classList.add("selected");
      const first = document.querySelector("#view .editor-pane .field input, #view .editor-pane .field select");
      if (first && app.origin(item) === null) first.focus();
    }

    function editorPane(table) {
      const pane = el("aside", "editor-pane");
      document.body.classList.toggle("editing", Boolean(selected)); // on a narrow screen the editor covers the list
      if (!selected) {
        const empty = el("div", "editor-empty");
        empty.append(el("p", "", "Pilih " + TABLES[table].noun + " di daftar untuk melihat dan mengubahnya."));
        if (canAdd(table)) empty.append(el("p", "muted", "Atau tekan “+ Tambah " + TABLES[table].noun + "”."));
        pane.append(empty);
        return pane;
      }
      const item = selected;
      const all = app.draft[table];
      const path = table + "[" + all.indexOf(item) + "]";
      const editor = el("div", "editor");
      editor.dataset.path = path;
      const back = el("button", "btn small ghost back", "‹ Daftar");
      back.type = "button";
      back.addEventListener("click", () => {
        selected = null;
        draw();
      });
      editor.append(back, editorHead(table, item), el("p", "field-error"));
      const node = app.reader.item([table]);
      editor.append(Forms.fieldset(app.reader, node, item, path, formOptions(table, item)));
      const notes = editorNotes(table, item);
      if (notes) editor.append(notes);
      const foot = el("div", "editor-foot");
      if (canRemove(table, item)) {
        const remove = el("button", "btn ghost danger", "Hapus " + TABLES[table].noun);
        remove.type = "button";
        remove.dataset.remove = table;
        remove.addEventListener("click", () => removeItem(table, item));
        foot.append(remove);
      }
      const save = el("button", "btn primary save", "Simpan perubahan");
      save.type = "button";
      save.disabled = !app.dirty;
      save.addEventListener("click", () => app.save());
      foot.append(save);
      editor.append(foot);
      pane.append(editor);
      return pane;
    }

    function editorHead(table, item) {
      const head = el("header", "editor-head");
      head.append(el("p", "eyebrow", tableTitle(table)));
      const key = keyOf(table);
      const title = item[key] ? Changes.itemLabel(item, key) : TABLES[table].noun.charAt(0).toUpperCase() +
        TABLES[table].noun.slice(1) + " baru";
      head.append(el("h2", "", title));
      return head;
    }

    function formOptions(table, item) {
      const scope = app.scope;
      return {
        choices: (key, node) => (node["x-ref"] ? choices(node["x-ref"]) : undefined),
        locked: (key) => Boolean(scope) && ((key === "agency" && table !== "agencies")
          || (table === "agencies" && key === "code")),
        enumOnly: (key) => (scope && table === "officers" && key === "role" ? ["petugas", "koordinator"] : undefined),
        allLabel: (key) => (table === "officers" && key === "counters" && !scope ? "Semua loket" : undefined),
        // An officer without a PIN has none to keep: the field asks for one.
        placeholder: (key) => (table === "officers" && key === "pin" && !item.pin_set ? "Isi PIN baru" : undefined),
        order: TABLES[table].order,
        onChange: (key, value, path) => app.changed(path),
      };
    }

    // Facts worth knowing beside the fields: where a service is served, whether an officer can log in.
    function editorNotes(table, item) {
      const box = el("div", "notes");
      if (table === "services") {
        const at = (app.draft.counters || []).filter((c) => (c.services || []).includes(item.code)).map((c) => c.name);
        box.append(el("p", at.length ? "note" : "note warn", at.length ? "Dilayani di " + at.join(", ") + "."
          : "Belum ada loket yang melayani layanan ini: kios belum membagikan nomornya. Centang layanan ini di salah " +
            "satu loket pada bagian Loket."));
      } else if (table === "officers") {
        if (item.pin) box.append(el("p", "note", "PIN baru berlaku begitu perubahan disimpan. Sampaikan PIN ini kepada " +
          (item.name || "petugas") + " secara langsung."));
        else if (!item.pin_set) box.append(el("p", "note warn", "Petugas ini belum punya PIN dan belum dapat masuk. " +
          "Isi PIN baru di atas."));
        if (Array.isArray(item.counters) && !item.counters.length) box.append(el("p", "note warn", "Petugas ini " +
          "belum ditugaskan di loket mana pun: ia dapat masuk, tetapi belum dapat memanggil nomor. Centang loketnya " +
          "di atas."));
      } else if (table === "zones") {
        box.append(el("p", "note", "Buka alamat /display?zone=" + (item.id || "…") + " di TV zona ini."));
      }
      return box.childNodes.length ? box : null;
    }

    // ---------------------------------------------------------- adding and removing

    function addItem(table) {
      const node = app.reader.item([table]);
      const item = {};
      for (const [key, raw] of Object.entries(node.properties || {})) {
        const child = app.reader.resolve(raw);
        if (child.readOnly || child.writeOnly) continue;
        let value = child.default;
        if (child["x-ref"] && typeof value === "string") {
          const options = choices(child["x-ref"]);
          if (!options.some((o) => o.value === value)) value = options.length ? options[0].value : undefined;
        }
        if (value !== undefined && value !== null) item[key] = structuredClone(value);
      }
      const key = keyOf(table);
      const free = freeKey(table);
      if (free) item[key] = free;
      if (table === "counters" && free) item.name = "Loket " + free;
      if (app.scope && (table === "services" || table === "officers")) item.agency = app.scope.agency;
      if (app.scope && table === "officers") item.counters = [];
      app.draft[table] = [...(app.draft[table] || []), item];
      query = "";
      agencyFilter = "";
      selected = item;
      app.changed();
      draw();
      const first = document.querySelector("#view .editor-pane .field input");
      if (first) first.focus();
    }

    // A key nobody uses yet: the next counter number, the first free service letter.
    function freeKey(table) {
      const used = new Set((app.draft[table] || []).map((item) => String(item[keyOf(table)])));
      if (table === "counters") {
        let n = 1;
        for (const id of used) if (/^\d+$/.test(id)) n = Math.max(n, Number(id) + 1);
        while (used.has(String(n))) n += 1;
        return String(n);
      }
      if (table === "services") { // no I, O or Q: on a TV "I001" reads as "1001", "O12"/"Q12" as "012"
        for (const letter of "ABCDEFGHJKLMNPRSTUVWXYZ") if (!used.has(letter)) return letter;
      }
      return null;
    }

    function canRemove(table) {
      return !(app.scope && table === "agencies");
    }

    // Where an item is named by others: lists (a counter's services) lose it with it; a single
    // reference (a service's agency) must be changed first.
    function usages(table, item) {
      const value = String(item[keyOf(table)]);
      const lists = [];
      const singles = [];
      for (const other of Object.keys(TABLES)) {
        const node = app.reader.item([other]);
        for (const [key, raw] of Object.entries(node.properties || {})) {
          const child = app.reader.resolve(raw);
          if (child["x-ref"] !== table) continue;
          for (const using of app.draft[other] || []) {
            const ref = using[key];
            if (Array.isArray(ref) ? ref.includes(value) : ref === value) {
              (Array.isArray(ref) ? lists : singles).push({ table: other, key, item: using });
            }
          }
        }
      }
      return { lists, singles };
    }

    async function removeItem(table, item) {
      const noun = TABLES[table].noun;
      const label = Changes.itemLabel(item, keyOf(table));
      const { lists, singles } = usages(table, item);
      if (singles.length) {
        const names = singles.map((u) => tableTitle(u.table) + " " + Changes.itemLabel(u.item, keyOf(u.table)));
        await app.confirm({
          title: "Belum dapat menghapus " + noun + " " + label,
          body: ["Masih dipakai oleh: " + names.join("; ") + ".", "Ganti dulu isian itu, lalu hapus " + noun + " ini."],
          ok: "Mengerti", cancel: "Tutup",
        });
        return;
      }
      const body = ["Perubahan ini baru berlaku setelah Anda menekan Simpan perubahan."];
      if (lists.length) {
        body.unshift("Juga dilepas dari: " + lists.map((u) => tableTitle(u.table) + " " +
          Changes.itemLabel(u.item, keyOf(u.table))).join("; ") + ".");
      }
      const ok = await app.confirm({ title: "Hapus " + noun + " " + label + "?", body, ok: "Hapus " + noun, danger: true });
      if (!ok) return;
      const value = String(item[keyOf(table)]);
      for (const use of lists) use.item[use.key] = use.item[use.key].filter((v) => v !== value);
      app.draft[table] = app.draft[table].filter((other) => other !== item);
      selected = null;
      app.changed();
      draw();
    }

    // ---------------------------------------------------------- going to a key

    // Show the section and the item at `tokens` (["services", 3, "open"]); returns the view box.
    function open(tokens) {
      const id = sectionOf(tokens);
      const table = sectionTable(id);
      const item = table && typeof tokens[1] === "number" ? (app.draft[table] || [])[tokens[1]] : null;
      show({ id, item: item || null });
      return document.getElementById("view");
    }

    function focusError(error) {
      const box = open(Forms.parsePath(error.path));
      Forms.markError(box, error.path, error.message);
    }

    const helpers = { visibleItems, choices, keyOf, tableTitle, refresh: () => refresh(), draw: () => draw() };

    return {
      start() {
        started = true;
        show({ id: section });
      },
      refresh,
      show,
      current,
      open,
      focusError,
    };
  }

  global.MppViews = {
    create,
    // sections.js: `define("layar", {render(app, box, helpers), owns(tokens) -> bool})`
    define(id, view) {
      custom[id] = view;
    },
  };
})(window);
