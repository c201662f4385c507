// Forms built from the hub's schema of the configuration (GET /api/admin/schema).
//
// Every field comes from one key's declaration: its Indonesian label (`title`), help text
// (`x-help`), type, range (`minimum`, `maximum`, `pattern`, `enum`, `format`) and, for a key
// that names items of another table, which table (`x-ref`). The hub validates on save; the
// inputs only carry the same limits so that a wrong value shows at once. Names go in with
// textContent.
(function (global) {
  "use strict";

  const { el } = global.MppUI;

  // ------------------------------------------------------------ reading the schema

  // The schema, read: `resolve(node)` follows a $ref and unwraps `X | null`, keeping the outer
  // node's label, help and defaults; `nullable` says whether null (left out) is allowed.
  function schemaReader(root) {
    function resolve(node) {
      let out = { ...(node || {}) };
      let nullable = false;
      for (let guard = 0; guard < 20; guard += 1) {
        if (out.$ref) {
          const name = out.$ref.split("/").pop();
          const { $ref, ...outer } = out;
          out = { ...root.$defs[name], ...outer };
        } else if (Array.isArray(out.anyOf)) {
          const options = out.anyOf.filter((n) => n.type !== "null");
          if (options.length !== out.anyOf.length) nullable = true;
          if (options.length !== 1) break;
          const { anyOf, ...outer } = out;
          out = { ...outer, ...options[0] };
        } else {
          break;
        }
      }
      if (out.default === null) nullable = true;
      return { ...out, nullable };
    }

    // The node of the value at `tokens`, e.g. ["services", 3, "open"].
    function at(tokens) {
      let node = resolve(root);
      for (const token of tokens) {
        if (typeof token === "number") node = resolve(node.items);
        else if (node.properties && node.properties[token]) node = resolve(node.properties[token]);
        else return null;
      }
      return node;
    }

    // The item node of an array of tables, e.g. item(["services"]) or item(["calendar", "hours"]).
    function item(tokens) {
      const node = at(tokens);
      return node && node.items ? resolve(node.items) : null;
    }

    return { root, resolve, at, item };
  }

  // "services[3].open" <-> ["services", 3, "open"]
  function parsePath(path) {
    const tokens = [];
    for (const part of String(path || "").split(".")) {
      const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
      if (!match) return tokens;
      if (match[1]) tokens.push(match[1]);
      for (const index of match[2].matchAll(/\[(\d+)\]/g)) tokens.push(Number(index[1]));
    }
    return tokens;
  }

  function formatPath(tokens) {
    let path = "";
    for (const token of tokens) path += typeof token === "number" ? "[" + token + "]" : (path ? "." : "") + token;
    return path;
  }

  // How a choice of an `enum` reads: "petugas" -> "Petugas", "jumat" -> "Jumat".
  function choiceLabel(value) {
    const text = String(value);
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  // The range a number or text may take, in a few words beside the help text.
  function rangeText(node) {
    const type = node.type;
    if (type === "integer" || type === "number") {
      const lo = node.minimum;
      const hi = node.maximum;
      const what = type === "integer" ? "Bilangan bulat" : "Angka";
      if (lo !== undefined && hi !== undefined) return what + " " + lo + "–" + hi + ".";
      if (lo !== undefined) return what + ", paling sedikit " + lo + ".";
      if (hi !== undefined) return what + ", paling banyak " + hi + ".";
      return what + ".";
    }
    if (node.format === "HH:MM") return "Jam JJ:MM (24 jam).";
    if (node.format === "date") return "Tanggal.";
    return "";
  }

  // ------------------------------------------------------------ fields

  let serial = 0;

  // One field for `key` of an object: label, input, help and an error line. `spec`:
  //   node      the key's resolved schema node
  //   value     its current value (undefined: left out)
  //   path      the key's path, e.g. "services[3].open" (errors from the hub point at it)
  //   onChange  (value) => void; undefined removes the key
  //   choices   for an x-ref key: [{value, label}] of the referenced items
  //   locked    shown but not editable (a koordinator's own agency)
  //   required  the key must be given
  //   placeholder  what an empty secret field says (default "Tidak diubah": left empty, it stays as it is)
  function field(key, given) {
    const node = given.node;
    const id = "f" + (serial += 1);
    const wrap = el("div", "field");
    // A field the hub refused loses its mark as soon as it is edited.
    const spec = { ...given, onChange(value) {
      if (wrap.classList.contains("invalid")) {
        wrap.classList.remove("invalid");
        wrap.querySelector(".field-error").textContent = "";
      }
      given.onChange(value);
    } };
    wrap.dataset.key = key;
    wrap.dataset.path = spec.path;
    const label = el("label", "field-label", node.title || key);
    label.htmlFor = id;
    if (spec.required) label.append(el("span", "required", " wajib"));
    const control = el("div", "control");
    const input = widget(node, spec, id);
    control.append(input);
    const help = [node["x-help"] || "", rangeText(node)].filter(Boolean).join(" ");
    wrap.append(label, control);
    if (help) wrap.append(el("p", "help", help));
    wrap.append(el("p", "field-error"));
    if (spec.locked) {
      wrap.classList.add("locked");
      for (const inner of wrap.querySelectorAll("input, select, textarea, button")) inner.disabled = true;
    }
    return wrap;
  }

  function widget(node, spec, id) {
    if (node.readOnly) return readOnly(node, spec, id);
    if (node["x-ref"] && node.type === "array") return refList(node, spec, id);
    if (node["x-ref"]) return refSelect(node, spec, id);
    if (node.enum) return enumSelect(node, spec, id);
    if (node.type === "array" && node.items && resolveEnum(node.items)) return enumList(node, spec, id);
    if (node.type === "array") return lines(node, spec, id);
    if (node.type === "boolean") return toggle(node, spec, id);
    if (node.type === "integer" || node.type === "number") return number(node, spec, id);
    if (node.writeOnly) return secret(node, spec, id);
    return text(node, spec, id);
  }

  function resolveEnum(items) {
    return items && Array.isArray(items.enum) ? items.enum : null;
  }

  function readOnly(node, spec, id) {
    const out = el("output", "readonly");
    out.id = id;
    out.textContent = spec.value === true ? "Ya" : spec.value === false ? "Tidak" : String(spec.value ?? "—");
    return out;
  }

  // Times and dates are typed as the file writes them ("08:00", "2026-08-17"): the browser's own
  // pickers follow the PC's locale (AM/PM, month first), which is not how the hall reads them. A
  // date is repeated beside the input in words ("Senin, 17 Agustus 2026").
  const CLOCK_FORMATS = { "HH:MM": "JJ:MM", date: "TTTT-BB-HH" };

  function text(node, spec, id) {
    const input = el("input", "input");
    input.id = id;
    input.type = "text";
    input.value = spec.value ?? "";
    if (node.pattern) input.pattern = node.pattern.replace(/^\^|\$$/g, "");
    if (node.minLength && !node.nullable) input.required = true;
    input.spellcheck = false;
    const format = CLOCK_FORMATS[node.format];
    if (!format) {
      input.addEventListener("input", () => {
        spec.onChange(input.value === "" && node.nullable ? undefined : input.value);
        input.classList.toggle("bad", !input.checkValidity());
      });
      return input;
    }
    input.classList.add(node.format === "date" ? "date" : "clock");
    input.placeholder = format;
    input.inputMode = "numeric";
    input.maxLength = format.length;
    input.autocomplete = "off";
    const box = el("span", "when-input");
    const words = el("span", "when-words");
    const say = () => {
      if (node.format !== "date") return;
      const day = /^\d{4}-\d{2}-\d{2}$/.test(input.value) ? new Date(input.value + "T12:00:00Z") : null;
      // Chromium rolls a day its month lacks over (2026-02-30 would read "Senin, 2 Maret 2026"): such a
      // date gets no words and stays marked, and the hub says why on save.
      const real = day !== null && !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === input.value;
      words.textContent = real ? new Intl.DateTimeFormat("id-ID", {
        weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: "UTC" }).format(day) : "";
      if (day !== null && !real) input.classList.add("bad");
    };
    input.addEventListener("input", () => {
      spec.onChange(input.value === "" ? undefined : input.value);
      input.classList.toggle("bad", !input.checkValidity());
      say();
    });
    say();
    box.append(input, words);
    return box;
  }

  function secret(node, spec, id) {
    const box = el("div", "secret");
    const input = el("input", "input pin-input");
    input.id = id;
    input.type = "text";
    input.inputMode = "numeric";
    input.autocomplete = "off";
    input.spellcheck = false;
    input.value = spec.value ?? "";
    input.placeholder = spec.placeholder || "Tidak diubah";
    if (node.pattern) input.pattern = node.pattern.replace(/^\^|\$$/g, "");
    input.addEventListener("input", () => {
      spec.onChange(input.value === "" ? undefined : input.value);
      input.classList.toggle("bad", !input.checkValidity());
    });
    const random = el("button", "btn small ghost", "Buat PIN acak");
    random.type = "button";
    random.addEventListener("click", () => {
      const digits = new Uint32Array(1);
      crypto.getRandomValues(digits);
      input.value = String(digits[0] % 1000000).padStart(6, "0");
      input.dispatchEvent(new Event("input"));
      input.focus();
    });
    box.append(input, random);
    return box;
  }

  function number(node, spec, id) {
    const input = el("input", "input number");
    input.id = id;
    input.type = "number";
    input.step = node.type === "integer" ? "1" : "any";
    if (node.minimum !== undefined) input.min = String(node.minimum);
    if (node.maximum !== undefined) input.max = String(node.maximum);
    input.value = spec.value ?? "";
    if (node.nullable) input.placeholder = "Tanpa batas";
    input.addEventListener("input", () => {
      const raw = input.value.trim();
      // Whatever is typed goes to the hub, which says what is wrong with it (422 at this key).
      spec.onChange(raw === "" ? (node.nullable ? undefined : raw) : Number.isFinite(Number(raw)) ? Number(raw) : raw);
      input.classList.toggle("bad", !input.checkValidity());
    });
    return input;
  }

  function toggle(node, spec, id) {
    const box = el("label", "switch");
    const input = el("input");
    input.type = "checkbox";
    input.id = id;
    input.checked = spec.value === undefined ? node.default === true : spec.value === true;
    const state = el("span", "switch-text", input.checked ? "Ya" : "Tidak");
    input.addEventListener("change", () => {
      state.textContent = input.checked ? "Ya" : "Tidak";
      spec.onChange(input.checked);
    });
    box.append(input, el("span", "switch-track"), state);
    return box;
  }

  function enumSelect(node, spec, id) {
    const select = el("select", "input");
    select.id = id;
    const value = spec.value === undefined ? node.default : spec.value;
    for (const choice of spec.only || node.enum) {
      const option = el("option", "", choiceLabel(choice));
      option.value = choice;
      option.selected = choice === value;
      select.append(option);
    }
    select.addEventListener("change", () => spec.onChange(select.value));
    return select;
  }

  function refSelect(node, spec, id) {
    const select = el("select", "input");
    select.id = id;
    const choices = spec.choices || [];
    if (node.nullable) select.append(option("", "— Tidak ada —"));
    else if (spec.value === undefined) select.append(option("", "— Pilih —"));
    for (const choice of choices) select.append(option(choice.value, choice.label));
    if (spec.value !== undefined && !choices.some((c) => c.value === spec.value)) {
      select.append(option(spec.value, spec.value + " (tidak dikenal)"));
    }
    select.value = spec.value ?? "";
    select.addEventListener("change", () => spec.onChange(select.value === "" ? undefined : select.value));
    return select;
  }

  function option(value, label) {
    const node = el("option", "", label);
    node.value = value;
    return node;
  }

  // A list of choices ticked on and off: the counters' services, an officer's counters. When
  // null is allowed (an officer's counters: "any counter"), one more switch says "all".
  function refList(node, spec, id) {
    return checkList(spec.choices || [], node, spec, id);
  }

  function enumList(node, spec, id) {
    return checkList(node.items.enum.map((v) => ({ value: v, label: choiceLabel(v) })), node, spec, id);
  }

  function checkList(choices, node, spec, id) {
    const box = el("div", "checklist");
    box.id = id;
    box.setAttribute("role", "group");
    const chosen = new Set(Array.isArray(spec.value) ? spec.value : []);
    let all = null;
    if (node.nullable && spec.allLabel) {
      all = el("label", "check all");
      const input = el("input");
      input.type = "checkbox";
      input.checked = spec.value === undefined || spec.value === null;
      all.append(input, el("span", "", spec.allLabel));
      input.addEventListener("change", () => {
        box.classList.toggle("is-all", input.checked);
        send();
      });
      box.append(all);
      box.classList.toggle("is-all", input.checked);
    }
    const items = el("div", "checks");
    for (const choice of choices) {
      const label = el("label", "check");
      const input = el("input");
      input.type = "checkbox";
      input.value = choice.value;
      input.checked = chosen.has(choice.value);
      label.append(input, el("span", "", choice.label));
      input.addEventListener("change", send);
      items.append(label);
    }
    for (const value of chosen) {
      if (!choices.some((c) => c.value === value)) items.append(el("span", "check unknown", value + " (tidak dikenal)"));
    }
    if (!choices.length) items.append(el("span", "muted", "Belum ada pilihan."));
    box.append(items);
    function send() {
      if (all && all.querySelector("input").checked) return spec.onChange(undefined);
      const values = [...items.querySelectorAll("input:checked")].map((i) => i.value);
      // Kept in the order of the choices; nothing ticked is an empty list, or "left out" when allowed.
      spec.onChange(values.length || !node.nullable || all ? values : undefined);
    }
    return box;
  }

  function lines(node, spec, id) {
    const area = el("textarea", "input");
    area.id = id;
    area.rows = 4;
    area.value = Array.isArray(spec.value) ? spec.value.join("\n") : "";
    area.addEventListener("input", () => {
      const values = area.value.split("\n").map((s) => s.trim()).filter(Boolean);
      spec.onChange(values.length || !node.nullable ? values : undefined);
    });
    return area;
  }

  // ------------------------------------------------------------ a whole object

  // The fields of an object (a section, an item of a table), in the schema's order.
  //   reader   schemaReader(...)
  //   node     the object's resolved node
  //   value    the object (edited in place: a changed key is set, an emptied optional key removed)
  //   path     its path ("services[3]", "site", "calendar.holidays[0]")
  //   options  {skip: [keys], only: [keys], order: [keys shown first], choices(key, node) -> [{value,label}] | undefined,
  //             locked(key) -> bool, enumOnly(key) -> [values] | undefined, allLabel(key) -> text,
  //             placeholder(key) -> text | undefined, onChange(key, value, path)}
  function fieldset(reader, node, value, path, options) {
    const box = el("div", "fields");
    const required = new Set(node.required || []);
    let keys = options.only || Object.keys(node.properties || {});
    if (options.order) {
      const rank = (key) => (options.order.includes(key) ? options.order.indexOf(key) : options.order.length);
      keys = keys.slice().sort((a, b) => rank(a) - rank(b)); // stable: the rest keep the schema's order
    }
    for (const key of keys) {
      if (options.skip && options.skip.includes(key)) continue;
      const child = reader.resolve(node.properties[key]);
      const spec = {
        node: child,
        value: value[key],
        path: (path ? path + "." : "") + key,
        required: required.has(key),
        choices: options.choices ? options.choices(key, child) : undefined,
        locked: options.locked ? options.locked(key) : false,
        only: options.enumOnly ? options.enumOnly(key) : undefined,
        allLabel: options.allLabel ? options.allLabel(key) : undefined,
        placeholder: options.placeholder ? options.placeholder(key) : undefined,
        onChange(next) {
          if (next === undefined) delete value[key];
          else value[key] = next;
          if (options.onChange) options.onChange(key, next, spec.path);
        },
      };
      box.append(field(key, spec));
    }
    return box;
  }

  // A plain button (type=button, so it never submits a form) with its text and action.
  function button(text, className, onClick) {
    const node = el("button", className, text);
    node.type = "button";
    node.addEventListener("click", onClick);
    return node;
  }

  // ------------------------------------------------------------ errors from the hub

  // Mark the field the hub named (`error.path`), or the nearest enclosing thing that has a path.
  // Returns the marked element, or null when nothing on screen carries that path.
  function markError(container, path, message, focus = true) {
    clearErrors(container);
    let tokens = parsePath(path);
    while (tokens.length) {
      const target = container.querySelector('[data-path="' + CSS.escape(formatPath(tokens)) + '"]');
      if (target) {
        target.classList.add("invalid");
        const slot = target.querySelector(":scope > .field-error") || target.querySelector(".field-error");
        if (slot) slot.textContent = message;
        if (focus) {
          const input = target.querySelector("input:not([type=hidden]), select, textarea");
          target.scrollIntoView({ block: "center" });
          if (input && !input.disabled) input.focus({ preventScroll: true });
        }
        return target;
      }
      tokens = tokens.slice(0, -1);
    }
    return null;
  }

  function clearErrors(container) {
    for (const node of container.querySelectorAll(".invalid")) {
      node.classList.remove("invalid");
      const slot = node.querySelector(".field-error");
      if (slot) slot.textContent = "";
    }
  }

  global.MppForms = {
    schemaReader, parsePath, formatPath, choiceLabel, field, fieldset, button, markError, clearErrors,
  };
})(window);
