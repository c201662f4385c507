// What changed between two versions of the configuration, readable; and re-applying one's own
// edits on top of someone else's.
//
// Both walk the configuration with its schema (forms.js schemaReader): an array of tables is
// compared item by item, matched by its key (`x-key`: a service's code, a counter's id), every
// other object key by key. Labels are the schema's Indonesian titles. Nothing here decides
// whether a configuration is valid: the hub does, on save.
(function (global) {
  "use strict";

  const { el } = global.MppUI;
  const { choiceLabel } = global.MppForms;

  function same(a, b) {
    if (a === b) return true;
    if (a === undefined || b === undefined || a === null || b === null) {
      return (a === undefined || a === null) && (b === undefined || b === null);
    }
    if (typeof a !== "object" || typeof b !== "object" || Array.isArray(a) !== Array.isArray(b)) return false;
    if (Array.isArray(a)) return a.length === b.length && a.every((v, i) => same(v, b[i]));
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) if (!same(a[key], b[key])) return false;
    return true;
  }

  const isTable = (node) => node && node.type === "array" && node["x-key"];
  const isSection = (node) => node && node.type === "object" && node.properties;

  // How an item of a table is named: "A · Perekaman KTP-el", "Jumat", "2026-08-17 · Hari Kemerdekaan".
  function itemLabel(item, keyName) {
    if (!item) return "";
    const key = item[keyName];
    const shown = keyName === "day" ? choiceLabel(key) : String(key ?? "(baru)");
    const name = item.name || item.reason || "";
    return name && name !== key ? shown + " · " + name : shown;
  }

  // A value as the diff shows it.
  function shown(value, key) {
    if (key === "pin") return value ? "PIN baru" : "tidak diubah";
    if (value === undefined || value === null || value === "" || (Array.isArray(value) && !value.length)) {
      return "(kosong)";
    }
    if (value === true) return "Ya";
    if (value === false) return "Tidak";
    if (Array.isArray(value)) return value.map((v) => (typeof v === "object" ? compact(v) : String(v))).join(", ");
    if (typeof value === "object") return compact(value);
    return String(value);
  }

  function compact(object) {
    return Object.values(object).map((v) => (Array.isArray(v) ? v.join("/") : String(v))).join(" ");
  }

  // ------------------------------------------------------------ what changed

  // The changes from `before` to `after`, as a list of entries:
  //   {trail: ["Layanan"], kind: "added"|"removed"|"changed", item: "A · Perekaman KTP-el" | null,
  //    tokens: ["services", 0] (where it is in `after`, or in `before` once removed),
  //    fields: [{key, label, before, after}]}
  function diff(reader, before, after) {
    const out = [];
    walk(reader, reader.resolve(reader.root), before || {}, after || {}, [], [], out);
    return out;
  }

  function walk(reader, node, before, after, trail, tokens, out) {
    const fields = [];
    const keys = new Set([...Object.keys(node.properties || {}), ...Object.keys(before), ...Object.keys(after)]);
    for (const key of keys) {
      if (same(before[key], after[key])) continue;
      const child = reader.resolve((node.properties || {})[key]);
      const label = child.title || key;
      if (isTable(child)) {
        table(reader, child, before[key] || [], after[key] || [], [...trail, label], [...tokens, key], out);
      } else if (isSection(child) && typeof before[key] === "object" && typeof after[key] === "object") {
        walk(reader, child, before[key] || {}, after[key] || {}, [...trail, label], [...tokens, key], out);
      } else {
        fields.push({ key, label, before: before[key], after: after[key] });
      }
    }
    if (fields.length) out.push({ trail, kind: "changed", item: null, tokens, fields });
  }

  function table(reader, node, before, after, trail, tokens, out) {
    const key = node["x-key"];
    const itemNode = reader.resolve(node.items);
    const old = new Map(before.map((item) => [String(item[key]), item]));
    const now = new Map(after.map((item) => [String(item[key]), item]));
    after.forEach((item, index) => {
      const was = old.get(String(item[key]));
      if (!was) {
        out.push({ trail, kind: "added", item: itemLabel(item, key), tokens: [...tokens, index], fields: [] });
      } else if (!same(was, item)) {
        const fields = [];
        for (const name of new Set([...Object.keys(itemNode.properties || {}), ...Object.keys(was), ...Object.keys(item)])) {
          if (same(was[name], item[name])) continue;
          const child = reader.resolve((itemNode.properties || {})[name]);
          fields.push({ key: name, label: child.title || name, before: was[name], after: item[name] });
        }
        out.push({ trail, kind: "changed", item: itemLabel(item, key), tokens: [...tokens, index], fields });
      }
    });
    before.forEach((item, index) => {
      if (!now.has(String(item[key]))) {
        out.push({ trail, kind: "removed", item: itemLabel(item, key), tokens: [...tokens, index], fields: [] });
      }
    });
  }

  // ------------------------------------------------------------ re-applying one's edits

  // `mine` and `theirs` both started from `base`. The result is `theirs` with every edit of
  // `mine` applied on top; where both changed the same key differently, `mine` wins and the
  // place is listed in `conflicts`: [{trail, item, label, key, base, mine, theirs}].
  function merge(reader, base, mine, theirs) {
    const conflicts = [];
    const value = mergeNode(reader, reader.resolve(reader.root), base, mine, theirs, [], null, conflicts);
    return { value, conflicts };
  }

  function mergeNode(reader, node, base, mine, theirs, trail, item, conflicts, key) {
    if (same(mine, base)) return clone(theirs);
    if (same(theirs, base) || same(mine, theirs)) return clone(mine);
    if (isTable(node) && Array.isArray(base) && Array.isArray(mine) && Array.isArray(theirs)) {
      return mergeTable(reader, node, base, mine, theirs, trail, conflicts);
    }
    const objects = [base, mine, theirs].every((v) => v === undefined || (v && typeof v === "object" && !Array.isArray(v)));
    if (objects && (mine !== undefined && theirs !== undefined)) {
      const out = {};
      const keys = new Set([...Object.keys(theirs), ...Object.keys(mine)]);
      for (const name of keys) {
        const child = reader.resolve((node.properties || {})[name]);
        const childTrail = isTable(child) || isSection(child) ? [...trail, child.title || name] : trail;
        const merged = mergeNode(reader, child, (base || {})[name], mine[name], theirs[name], childTrail, item,
          conflicts, name);
        if (merged !== undefined) out[name] = merged;
      }
      return out;
    }
    conflicts.push({ trail, item, key, label: node.title || key || "", base, mine, theirs });
    return clone(mine);
  }

  function mergeTable(reader, node, base, mine, theirs, trail, conflicts) {
    const key = node["x-key"];
    const itemNode = reader.resolve(node.items);
    const byKey = (list) => new Map(list.map((item) => [String(item[key]), item]));
    const old = byKey(base);
    const ours = byKey(mine);
    const out = [];
    const done = new Set();
    for (const item of theirs) {
      const id = String(item[key]);
      done.add(id);
      const b = old.get(id);
      const m = ours.get(id);
      if (b === undefined) {
        // They added it; if we added the same key too, ours is what we meant.
        if (m !== undefined && !same(m, item)) {
          conflicts.push({ trail, item: itemLabel(m, key), key: null, label: "", base: undefined, mine: m, theirs: item });
        }
        out.push(clone(m !== undefined ? m : item));
      } else if (m === undefined) {
        // We removed it: it stays removed, even if they changed it meanwhile (listed).
        if (!same(item, b)) conflicts.push({ trail, item: itemLabel(item, key), key: null, label: "", base: b, mine: undefined, theirs: item });
      } else {
        out.push(mergeNode(reader, itemNode, b, m, item, trail, itemLabel(m, key), conflicts));
      }
    }
    for (const item of mine) {
      const id = String(item[key]);
      if (done.has(id)) continue;
      const b = old.get(id);
      if (b === undefined) {
        out.push(clone(item)); // ours, new
      } else if (!same(item, b)) {
        // They removed what we changed: ours comes back (listed).
        conflicts.push({ trail, item: itemLabel(item, key), key: null, label: "", base: b, mine: item, theirs: undefined });
        out.push(clone(item));
      }
    }
    return out;
  }

  function clone(value) {
    return value === undefined ? undefined : structuredClone(value);
  }

  // ------------------------------------------------------------ drawing

  const KIND_LABEL = { added: "Baru", removed: "Dihapus", changed: "Diubah" };

  // A readable list of `diff()` entries; `onOpen(entry)`, when given, makes each one a link.
  function renderList(entries, onOpen) {
    const list = el("ul", "change-list");
    if (!entries.length) list.append(el("li", "muted", "Tidak ada perubahan."));
    for (const entry of entries) {
      const row = el("li", "change " + entry.kind);
      const head = el("div", "change-head");
      head.append(el("span", "kind " + entry.kind, KIND_LABEL[entry.kind]));
      const where = el("span", "where", entry.trail.join(" › ") + (entry.item ? " · " : ""));
      head.append(where);
      if (entry.item) head.append(el("strong", "what", entry.item));
      if (onOpen) {
        const open = el("button", "link", "Buka");
        open.type = "button";
        open.addEventListener("click", () => onOpen(entry));
        head.append(open);
      }
      row.append(head);
      if (entry.fields.length) {
        const table = el("dl", "change-fields");
        for (const f of entry.fields) {
          const line = el("div", "change-field");
          line.dataset.key = f.key;
          line.append(el("dt", "", f.label));
          const dd = el("dd");
          if (f.key === "pin") {
            dd.append(el("span", "after", "PIN baru diatur"));
          } else {
            dd.append(el("span", "before", shown(f.before, f.key)), el("span", "arrow", " → "),
              el("span", "after", shown(f.after, f.key)));
          }
          line.append(dd);
          table.append(line);
        }
        row.append(table);
      }
      list.append(row);
    }
    return list;
  }

  function renderConflicts(conflicts) {
    const list = el("ul", "conflict-list");
    for (const c of conflicts) {
      const row = el("li", "conflict");
      const where = [...c.trail, c.item].filter(Boolean).join(" › ") + (c.label ? " · " + c.label : "");
      row.append(el("strong", "", where));
      const what = c.mine === undefined ? "Anda menghapusnya; orang lain mengubahnya. Tetap dihapus."
        : c.theirs === undefined ? "Orang lain menghapusnya; Anda mengubahnya. Versi Anda dipakai lagi."
          : c.key ? "Orang lain: " + shown(c.theirs, c.key) + " · Anda: " + shown(c.mine, c.key) + ". Isian Anda yang dipakai."
            : "Diubah keduanya; isian Anda yang dipakai.";
      row.append(el("span", "", " " + what));
      list.append(row);
    }
    return list;
  }

  global.MppChanges = { same, diff, merge, renderList, renderConflicts, itemLabel, shown };
})(window);
