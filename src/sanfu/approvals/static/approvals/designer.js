// 流程设计: the process tree is edited here (Alpine state); the server converts it to a definition and is
// authoritative for validation, preview and publishing. Every string shown comes from the page (#designer-data).
window.sanfuDesigner = function () {
  const data = JSON.parse(document.getElementById("designer-data").textContent);
  const esc = (v) => String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  const newId = (kind) => `${kind}_${Math.random().toString(36).slice(2, 7)}`;
  const TASK = ["approval", "handle"], NOTICE = ["cc", "filing"];
  // The keys each field type may carry (formschema's parser reads them); a retyped field or column drops the rest.
  const TYPE_KEYS = {
    options: ["select", "multiselect"], min: ["number", "money"], max: ["number", "money"], integer: ["number"],
    max_length: ["text", "textarea"], min_length: ["text", "textarea"], pattern: ["text"], pattern_message: ["text"],
    expr: ["computed"], format: ["computed"], columns: ["table"], sum: ["table"], min_rows: ["table"], max_rows: ["table"],
    multiple: ["person", "department", "attachment"], count_working_days: ["date_range"], accept: ["attachment"], max_mb: ["attachment"],
  };
  // Every node of a tree chain, depth first (branches and their nodes included).
  const walk = (chain, out = []) => {
    for (const n of chain || []) { out.push(n); for (const b of n.branches || []) walk(b.nodes, out); }
    return out;
  };

  return {
    d: data, s: data.strings, tree: data.tree, form: data.form, types: data.types,
    sel: null, selBranch: null, selId: "", addAt: "", tab: "node", problems: [], globalProblems: [],
    message: "", ok: false, busy: false, formProblems: [], formOk: false, openField: null, newFieldType: "text",
    openColumn: null, newColumnType: "text",
    previewHtml: "", sample: {}, urgency: data.strings.urgencies[0], initiator: "",
    _lists: {}, _where: {}, _branches: {},

    // ---------------------------------------------------------------- the canvas (plain HTML, repainted)
    paint() {
      const lists = {}, where = {}, branches = {}, s = this.s, byNode = {};
      for (const p of this.problems) if (p.node) (byNode[p.node] = byNode[p.node] || []).push(p.message);
      const summary = (n) => {
        if (TASK.includes(n.kind) || NOTICE.includes(n.kind)) {
          const r = n.approvers || n.recipients;
          let text = r ? s.rules[r.type] || r.type : s.no_rule;
          const colon = ": ";
          if (r && r.type === "users") text += `${colon}${(r.users || []).map((u) => (this.d.people.find((p) => p.id === u) || { name: u }).name.split("（")[0]).join(", ")}`;
          if (r && r.type === "role") text += `${colon}${(this.d.roles.find((x) => x.code === r.role) || { name: r.role }).name}`;
          if (r && r.type === "head") text += ` ${r.levels || 1} ${s.levels}`;
          if (n.kind === "filing" && (n.passes_over || []).length) text = `${r ? `${text} · ` : ""}${s.passes_over}: ${n.passes_over.map((id) => this.nodeName(id)).join(", ")}`;
          if (TASK.includes(n.kind)) text += ` · ${s.modes[n.mode || (n.kind === "approval" ? "sequential" : "all")]}`;
          if (TASK.includes(n.kind) && n.exclude_initiator) text += ` · ${s.excludes_initiator}`;
          if (n.deadline) text += ` · ${n.deadline.working_days ?? n.deadline.working_hours} ${n.deadline.working_days != null ? s.days : s.hours}`;
          return text;
        }
        if (n.kind === "timer") { const w = n.wait || {}; const k = Object.keys(w)[0]; return k === "until_field" ? w[k] : `${w[k] ?? ""} ${k === "working_days" ? s.days : s.hours}`; }
        if (n.kind === "subprocess") return n.definition || "";
        return "";
      };
      const problemsOf = (ids) => ids.flatMap((id) => byNode[id] || []);
      const addBtn = (key, pos) => {
        const here = this.addAt === `${key}|${pos}`;
        const menu = here ? `<div class="flow-menu">${Object.keys(s.new_names).filter((k) => k !== "field").map((k) => `<button type="button" class="btn btn-sm btn-outline-secondary" data-action="addkind" data-kind="${k}">${esc(s.kinds[k])}</button>`).join("")}</div>` : "";
        return `<div class="flow-add"><button type="button" data-action="add" data-list="${esc(key)}" data-pos="${pos}" title="${esc(s.add)}" aria-label="${esc(s.add)}">+</button>${menu}</div>`;
      };
      const tools = (n) => `<span class="flow-tools"><button type="button" data-action="up" data-id="${esc(n.id)}" title="${esc(s.up)}">↑</button><button type="button" data-action="down" data-id="${esc(n.id)}" title="${esc(s.down)}">↓</button><button type="button" data-action="remove" data-id="${esc(n.id)}" title="${esc(s.remove)}">✕</button></span>`;
      const card = (n, extraIds = []) => {
        const probs = problemsOf([n.id, ...extraIds]);
        const cls = `flow-node k-${n.kind}${this.selId === n.id ? " is-selected" : ""}${probs.length ? " has-problem" : ""}`;
        const body = summary(n);
        return `<div class="${cls}" data-action="select" data-id="${esc(n.id)}" data-node="${esc(n.id)}"><div class="flow-head"><span>${esc(n.name || s.kinds[n.kind])}</span>${tools(n)}</div>${body ? `<div class="flow-body">${esc(body)}</div>` : ""}${probs.length ? `<ul class="flow-problems">${probs.map((m) => `<li>${esc(m)}</li>`).join("")}</ul>` : ""}</div>`;
      };
      const chain = (arr, key) => {
        lists[key] = arr;
        let html = addBtn(key, 0);
        arr.forEach((n, i) => {
          where[n.id] = { key, arr, node: n };
          if (n.kind === "condition" || n.kind === "parallel") {
            const isCond = n.kind === "condition";
            const cols = (n.branches || []).map((b, bi) => {
              const bkey = `${n.id}:${bi}`;
              branches[bkey] = { node: n, branch: b, index: bi };
              let title = isCond ? (b.default ? s.default_branch : (b.name || `${s.branch} ${bi + 1}`)) : (b.name || `${s.branch} ${bi + 1}`);
              const cond = isCond && !b.default ? `<div class="text-muted text-truncate" title="${esc(b.when)}">${esc(this.clauseText(b) || b.when || "—")}</div>` : "";
              const rm = (!b.default && n.branches.length > 2) ? `<button type="button" class="branch-rm" data-action="rmbranch" data-list="${esc(bkey)}" title="${esc(s.remove)}">✕</button>` : "";
              const selected = this.selBranch === b ? " is-selected" : "";
              const head = `<div class="flow-branch-head${b.default ? " is-default" : ""}${isCond ? "" : " k-par"}${selected}" data-action="selbranch" data-list="${esc(bkey)}"><div class="branch-title"><span>${esc(title)}</span>${rm}</div>${cond}</div>`;
              return `<div class="flow-branch">${head}${chain(b.nodes, bkey)}<div class="flow-fill"></div></div>`;
            }).join("");
            html += `<div class="flow-block">${card(n, n.join ? [n.join.id] : [])}<div class="flow-link"></div><div class="d-flex justify-content-center"><button type="button" class="btn btn-sm btn-outline-${isCond ? "success" : "primary"} py-0 mb-1" data-action="addbranch" data-id="${esc(n.id)}">+ ${esc(s.add_branch)}</button></div><div class="flow-branches">${cols}</div><div class="flow-merge">${esc(s.merge)}</div></div>`;
          } else {
            html += card(n);
          }
          html += addBtn(key, i + 1);
        });
        return html;
      };
      const t = this.tree;
      const html = `<div class="flow">${card(t.start)}${chain(t.nodes, "main")}<div class="flow-node k-end" data-node="${esc(t.end.id)}">${esc(t.end.name || s.kinds.end)}</div></div>`;
      this._lists = lists; this._where = where; this._branches = branches;
      const canvas = this.$refs.canvas;
      canvas.innerHTML = html;
      if (!canvas.dataset.centred) { canvas.dataset.centred = "1"; canvas.scrollLeft = (canvas.scrollWidth - canvas.clientWidth) / 2; }
    },

    clauseText(b) {
      if (!b.clauses || b.mode === "cel") return "";
      return b.clauses.map((c) => `${c.field === "urgency" ? this.s.urgency : this.label(c.field)} ${this.s.ops[c.op] || c.op} ${this.optionLabel(c.field, c.value)}`).join(" & ");
    },
    optionLabel(field, value) { return field === "urgency" ? this.s.urgency_labels[value] || value : value; },
    label(name) { const f = this.form.find((x) => x.name === name); return f ? f.label || name : name; },

    onCanvas(event) {
      const el = event.target.closest("[data-action]");
      if (!el) return;
      event.stopPropagation();
      const a = el.dataset.action, id = el.dataset.id;
      if (a === "select") { this.select(id); return; }
      if (a === "add") { const here = `${el.dataset.list}|${el.dataset.pos}`; this.addAt = this.addAt === here ? "" : here; return; }
      if (a === "addkind") { this.insert(el.dataset.kind); return; }
      if (a === "remove") { this.remove(id); return; }
      if (a === "up" || a === "down") { this.move(id, a === "up" ? -1 : 1); return; }
      if (a === "addbranch") { this.addBranch(id); return; }
      if (a === "rmbranch") { const b = this._branches[el.dataset.list]; b.node.branches.splice(b.index, 1); this.selBranch = null; return; }
      if (a === "selbranch") { const b = this._branches[el.dataset.list]; this.sel = null; this.selId = ""; this.selBranch = b.branch; if (!b.branch.mode) b.branch.mode = b.branch.clauses || !b.branch.when ? "simple" : "cel"; if (!b.branch.clauses) b.branch.clauses = []; this.tab = "node"; }
    },
    select(id) {
      const w = this._where[id];
      this.selBranch = null;
      this.sel = w ? w.node : (this.tree.start.id === id ? this.tree.start : null);
      this.selId = id; this.tab = "node"; this.addAt = "";
    },
    blank(kind) {
      const id = newId(kind), name = this.s.new_names[kind];
      const approval = () => ({ id: newId("approval"), kind: "approval", name: this.s.new_names.approval, approvers: { type: "head", levels: 1 }, mode: "sequential" });
      switch (kind) {
        case "approval": return { id, kind, name, approvers: { type: "head", levels: 1 }, mode: "sequential" };
        case "handle": return { id, kind, name, approvers: { type: "initiator" }, mode: "any" };
        case "cc": case "filing": return { id, kind, name, recipients: { type: "initiator" } };
        case "timer": return { id, kind, name, wait: { working_days: 1 } };
        case "subprocess": return { id, kind, name, definition: "" };
        case "condition": return { id, kind, name, branches: [
          { name: "", mode: "simple", clauses: [{ field: "urgency", op: "==", value: this.s.urgencies[2] }], when: `urgency == "${this.s.urgencies[2]}"`, nodes: [] },
          { default: true, name: "", nodes: [] }] };
        case "parallel": return { id, kind, name, branches: [{ nodes: [approval()] }, { nodes: [approval()] }], join: { id: `${id}_join`, kind: "join", name: this.s.merge } };
      }
      return { id, kind, name };
    },
    insert(kind) {
      const [key, pos] = this.addAt.split("|");
      const node = this.blank(kind);
      this._lists[key].splice(Number(pos), 0, node);
      this.addAt = "";
      this.$nextTick(() => this.select(node.id));
    },
    remove(id) {
      const w = this._where[id];
      if (!w) return;
      if ((w.node.kind === "condition" || w.node.kind === "parallel") && !window.confirm(this.s.confirm_remove)) return;
      w.arr.splice(w.arr.indexOf(w.node), 1);
      // a filing node no longer passes over what is gone (the engine would refuse the reference)
      const gone = new Set(walk([w.node]).map((n) => n.id));
      for (const n of this.allNodes()) {
        if (n.passes_over) { n.passes_over = n.passes_over.filter((x) => !gone.has(x)); if (!n.passes_over.length) this.setPassesOver(n, []); }
      }
      this.sel = null; this.selId = "";
    },
    move(id, delta) {
      const w = this._where[id];
      const i = w.arr.indexOf(w.node), j = i + delta;
      if (j < 0 || j >= w.arr.length) return;
      w.arr.splice(i, 1); w.arr.splice(j, 0, w.node);
    },
    addBranch(id) {
      const n = this._where[id].node;
      if (n.kind === "condition") n.branches.splice(n.branches.length - 1, 0, { name: "", mode: "simple", clauses: [], when: "", nodes: [] });
      else n.branches.push({ nodes: [] });
    },

    // ---------------------------------------------------------------- node settings
    isTask() { return !!this.sel && TASK.includes(this.sel.kind); },
    hasRule() { return !!this.sel && (TASK.includes(this.sel.kind) || NOTICE.includes(this.sel.kind)); },
    ruleKey() { return TASK.includes(this.sel.kind) ? "approvers" : "recipients"; },
    rule() {
      const k = this.ruleKey();
      if (!this.sel[k]) {
        if (this.filesPassed()) return { type: "none" };  // files only to the people of the nodes passed over
        this.sel[k] = { type: "head", levels: 1 };
      }
      return this.sel[k];
    },
    setRuleType(type) {
      if (type === "none") { delete this.sel[this.ruleKey()]; return; }
      const first = this.d.roles[0] ? this.d.roles[0].code : "";
      const defaults = { users: { users: [] }, role: { role: first, unit: "initiator" }, head: { levels: 1 }, leader_in_charge: { department: "initiator" }, department_heads: { departments: [] }, field: { field: "" }, chosen: { among: null }, initiator: {} };
      this.sel[this.ruleKey()] = { type, ...(defaults[type] || {}) };
    },
    deptValue() { const v = this.rule().department; if (v === "initiator" || v == null) return "initiator"; return typeof v === "object" ? `f:${v.field}` : `d:${v}`; },
    setDept(value) { this.rule().department = value === "initiator" ? "initiator" : value.startsWith("f:") ? { field: value.slice(2) } : Number(value.slice(2)); },
    setOpt(key, value) { if (value) this.sel[key] = value; else delete this.sel[key]; },
    allNodes() { return walk(this.tree.nodes); },
    nodeName(id) { const n = this.allNodes().find((x) => x.id === id); return n ? n.name || this.s.kinds[n.kind] : id; },
    filesPassed() { return !!this.sel && this.sel.kind === "filing" && (this.sel.passes_over || []).length > 0; },
    // 绿色通道: the approval and handle nodes a filing node may pass over, and any id it names that is none of them
    passable() {
      const nodes = this.allNodes().filter((n) => TASK.includes(n.kind)), title = (n) => n.name || this.s.kinds[n.kind];
      const twice = (n) => nodes.filter((x) => title(x) === title(n)).length > 1;  // two 审核: tell them apart by id
      const tasks = nodes.map((n) => ({ id: n.id, label: `${title(n)}（${this.s.kinds[n.kind]}${twice(n) ? ` · ${n.id}` : ""}）` }));
      const known = new Set(tasks.map((t) => t.id));
      const missing = (this.sel.passes_over || []).filter((id) => !known.has(id)).map((id) => ({ id, label: `${id}（${this.s.missing_node}）` }));
      return [...tasks, ...missing];
    },
    setPassesOver(node, ids) {
      if (ids.length) { node.passes_over = ids; return; }
      delete node.passes_over;
      if (!node.recipients) node.recipients = { type: "initiator" };  // a filing node files to someone
    },
    setReject(value) { if (value === "end") { this.sel.on_reject = "end"; delete this.sel.reject_to; } else { this.sel.on_reject = "return"; this.sel.reject_to = value; } },
    toggleDeadline(on) { if (on) this.sel.deadline = { working_days: 2, remind_before_hours: 4, on_timeout: "remind" }; else delete this.sel.deadline; },
    setDeadlineAmount(v) { const dl = this.sel.deadline; if (dl.working_days != null) dl.working_days = v; else dl.working_hours = v; },
    setDeadlineUnit(unit) { const dl = this.sel.deadline, v = dl.working_days ?? dl.working_hours; delete dl.working_days; delete dl.working_hours; dl[unit === "days" ? "working_days" : "working_hours"] = v; },
    setAccess(name, value) { const f = { ...(this.sel.fields || {}) }; if (value) f[name] = value; else delete f[name]; this.sel.fields = f; },
    waitKind() { return Object.keys(this.sel.wait || { working_days: 1 })[0]; },
    setWaitKind(k) { this.sel.wait = k === "until_field" ? { until_field: (this.condFields()[0] || {}).name || "" } : { [k]: 1 }; },

    // ---------------------------------------------------------------- conditions
    condFields() { return Object.keys(this.types).map((name) => ({ name, label: this.label(name) })); },
    choices(name) {
      if (name === "urgency") return this.s.urgencies;
      const f = this.form.find((x) => x.name === name);
      return f && f.options ? f.options.map((o) => String(o.value)) : [];
    },
    literal(value, kind) {
      const text = String(value ?? "").trim();
      if (kind === "money" || kind === "number_double") { const n = Number(text); return text !== "" && !Number.isNaN(n) ? (Number.isInteger(n) ? `${n}.0` : String(n)) : JSON.stringify(text); }
      if (kind === "number") { const n = Number(text); return text !== "" && !Number.isNaN(n) ? String(Math.trunc(n)) : JSON.stringify(text); }
      if ((kind === "person" || kind === "department") && /^-?\d+$/.test(text)) return text;
      return JSON.stringify(text);
    },
    regen() {  // mirrors designer.clauses_to_cel; the server writes the final CEL from the clauses
      const b = this.selBranch;
      b.mode = "simple";
      b.when = b.clauses.filter((c) => c.field).map((c) => {
        const subject = c.field === "urgency" ? "urgency" : `form.${c.field}`, kind = c.field === "urgency" ? null : this.types[c.field];
        if (c.op === "contains") return kind === "multiselect" ? `${JSON.stringify(String(c.value))} in ${subject}` : `${subject}.contains(${JSON.stringify(String(c.value))})`;
        return `${subject} ${c.op} ${this.literal(c.value, kind)}`;
      }).join(" && ");
    },
    toSimple() { const b = this.selBranch; if (!b.clauses) b.clauses = []; b.mode = "simple"; this.regen(); },

    // ---------------------------------------------------------------- server round trips
    async post(url, body) {
      this.busy = true;
      try {
        const response = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json", "X-CSRFToken": document.querySelector("[name=csrfmiddlewaretoken]").value }, body: JSON.stringify(body) });
        return await response.json();
      } catch (e) {
        return { ok: false, message: this.s.failed, problems: [] };
      } finally { this.busy = false; }
    },
    show(res, okText) {
      const ids = new Set(Object.keys(this._where).concat([this.tree.start.id, this.tree.end.id]));
      for (const w of Object.values(this._where)) if (w.node.join) ids.add(w.node.join.id);
      const problems = (res.problems || []).filter((p) => p.node !== undefined);
      this.problems = problems.filter((p) => p.node && ids.has(p.node));
      this.globalProblems = problems.filter((p) => !p.node || !ids.has(p.node)).map((p) => (p.node ? `${p.node}: ${p.message}` : p.message));
      this.ok = !!res.ok;
      this.message = res.ok ? okText : (res.message || this.s.failed);
    },
    async validate() { const res = await this.post(this.d.urls.validate, { tree: this.tree }); this.show(res, this.s.valid); },
    async publish() {
      const res = await this.post(this.d.urls.publish, { tree: this.tree });
      if (res.ok) { window.location.href = res.url; return; }
      this.show(res, "");
    },
    async preview() {
      const res = await this.post(this.d.urls.preview, { tree: this.tree, values: this.sample, urgency: this.urgency, initiator: this.initiator });
      if (res.ok) { this.problems = []; this.message = ""; this.previewHtml = res.html; } else { this.show(res, ""); this.previewHtml = ""; }
    },

    // ---------------------------------------------------------------- the form
    typeLabel(t) { return this.s.field_types[t] || t; },
    isNumeric(f) { const kind = f.type === "computed" ? f.format || "number" : f.type; return kind === "number" || kind === "money"; },
    // problems the server reported at field i (column j; null: the field itself; undefined: anywhere in it)
    problemsAt(i, j) { return this.formProblems.filter((p) => p.field === i && (j === undefined || p.column === j)).map((p) => p.message); },
    unplace() { this.formProblems = this.formProblems.map((p) => ({ message: p.message })); },  // positions moved
    setNumber(f, key, value) { if (value === "") delete f[key]; else f[key] = +value; },
    defaults(f) {
      if ((f.type === "select" || f.type === "multiselect") && !(f.options || []).length) f.options = [{ value: "A", label: "A" }];
      if (f.type === "computed" && !f.expr) f.expr = "0";
      if (f.type === "table" && !(f.columns || []).length) f.columns = [this.newColumn([], "text")];
    },
    retype(table, f, type) {
      f.type = type;
      for (const [key, types] of Object.entries(TYPE_KEYS)) if (key in f && !types.includes(type)) delete f[key];
      this.defaults(f);
      if (table && !this.isNumeric(f)) this.setSum(table, f, false);
    },
    rename(table, f, name) {  // a table's sums follow its columns' names
      if (table && table.sum) table.sum = table.sum.map((x) => (x === f.name ? name : x));
      f.name = name;
    },
    setSum(table, c, on) {
      const sum = (table.sum || []).filter((x) => x !== c.name);
      if (on) sum.push(c.name);
      if (sum.length) table.sum = sum; else delete table.sum;
    },
    newColumn(columns, type) {
      let n = columns.length + 1;
      while (columns.some((c) => c.name === `col_${n}`)) n += 1;
      const c = { name: `col_${n}`, type, label: `${this.s.new_names.column} ${n}` };
      this.defaults(c);
      return c;
    },
    addColumn(f, i) {
      if (!f.columns) f.columns = [];
      f.columns.push(this.newColumn(f.columns, this.newColumnType));
      this.openColumn = `${i}:${f.columns.length - 1}`; this.unplace();
    },
    moveColumn(f, i, j, delta) {
      const [c] = f.columns.splice(j, 1); f.columns.splice(j + delta, 0, c);
      this.openColumn = `${i}:${j + delta}`; this.unplace();
    },
    removeColumn(f, j) { const [c] = f.columns.splice(j, 1); this.setSum(f, c, false); this.openColumn = null; this.unplace(); },
    moveField(i, delta) { const [f] = this.form.splice(i, 1); this.form.splice(i + delta, 0, f); this.openField = i + delta; this.openColumn = null; this.unplace(); },
    removeField(i) { this.form.splice(i, 1); this.openField = null; this.openColumn = null; this.unplace(); },
    addField() {
      let n = this.form.length + 1;
      while (this.form.some((f) => f.name === `field_${n}`)) n += 1;
      const f = { name: `field_${n}`, type: this.newFieldType, label: `${this.s.new_names.field} ${n}` };
      this.defaults(f);
      this.form.push(f); this.openField = this.form.length - 1; this.openColumn = null; this.unplace();
    },
    async saveForm() {
      this.formOk = false;
      const res = await this.post(this.d.urls.form, { fields: this.form });
      if (res.ok) { this.formProblems = []; this.formOk = true; this.types = res.types; return; }
      this.formProblems = (res.problems || []).length ? res.problems : [{ message: res.message || this.s.failed }];
      const first = this.formProblems.find((p) => p.field != null);  // open what is wrong
      if (first) { this.openField = first.field; this.openColumn = first.column != null ? `${first.field}:${first.column}` : null; }
    },
  };
};
