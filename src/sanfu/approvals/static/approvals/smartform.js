// Smart-form helpers: live 人民币大写 preview (the server's value is authoritative), table rows, signature pad.
window.sanfuForm = window.sanfuForm || (function () {
  // Live preview only: the server's 人民币大写 is authoritative.
  const D = "零壹贰叁肆伍陆柒捌玖";
  function four(n) { let out = "", zero = false; [[1000, "仟"], [100, "佰"], [10, "拾"], [1, ""]].forEach(([p, u]) => { const d = Math.floor(n / p) % 10; if (d === 0) { zero = zero || out !== ""; return; } if (zero) { out += "零"; zero = false; } out += D[d] + u; }); return out; }
  function int(n) { let hi, lo, unit, th; if (n >= 1e8) { hi = Math.floor(n / 1e8); lo = n % 1e8; unit = "亿"; th = 1e7; } else if (n >= 1e4) { hi = Math.floor(n / 1e4); lo = n % 1e4; unit = "万"; th = 1e3; } else { return four(n); } let s = int(hi) + unit; if (lo) { s += (lo < th ? "零" : "") + int(lo); } return s; }
  function capitals(text) {
    const v = String(text || "").replace(/[,，¥￥\s]/g, "");
    if (!/^-?\d+(\.\d{1,2})?$/.test(v)) return "";
    const neg = v.startsWith("-"), [y, c = ""] = v.replace("-", "").split(".");
    const yuan = Number(y), cents = Number((c + "00").slice(0, 2)), jiao = Math.floor(cents / 10), fen = cents % 10;
    if (yuan >= 1e16) return "";
    if (yuan === 0 && cents === 0) return "零元整";
    let s = yuan ? int(yuan) + "元" : "";
    if (cents === 0) s += "整"; else { if (jiao) s += D[jiao] + "角"; else if (yuan) s += "零"; if (fen) s += D[fen] + "分"; }
    return (neg ? "负" : "") + s;
  }
  function table(next) {
    return {
      next: next,
      add() { const max = Number(this.$el.querySelector("[data-max-rows]")?.dataset.maxRows || 0); if (max && this.$refs.body.rows.length >= max) return; this.$refs.body.insertAdjacentHTML("beforeend", this.$refs.blank.innerHTML.replaceAll("__i__", String(this.next++))); },
      remove(button) { button.closest("tr").remove(); this.recalc(); button.dispatchEvent(new Event("change", { bubbles: true })); },
      recalc() { this.$el.querySelectorAll("[data-sum]").forEach((out) => { let total = 0; this.$refs.body.querySelectorAll(`[name$="-${out.dataset.sum}"]`).forEach((input) => { const n = Number(String(input.value).replace(/[,，]/g, "")); if (!Number.isNaN(n)) total += n; }); out.textContent = out.dataset.money ? total.toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : String(Math.round(total * 1e6) / 1e6); }); },
    };
  }
  function signature(root) {
    if (root.dataset.ready) return; root.dataset.ready = "1";
    const canvas = root.querySelector("canvas"), input = root.querySelector("input[type=hidden]"), ctx = canvas.getContext("2d");
    canvas.width = canvas.clientWidth || 480;
    if (input.value) { const img = new Image(); img.onload = () => ctx.drawImage(img, 0, 0); img.src = input.value; }
    let drawing = false;
    const at = (e) => { const r = canvas.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
    canvas.addEventListener("pointerdown", (e) => { drawing = true; ctx.lineWidth = 2; ctx.lineCap = "round"; ctx.beginPath(); ctx.moveTo(...at(e)); canvas.setPointerCapture(e.pointerId); });
    canvas.addEventListener("pointermove", (e) => { if (!drawing) return; ctx.lineTo(...at(e)); ctx.stroke(); });
    canvas.addEventListener("pointerup", () => { drawing = false; input.value = canvas.toDataURL("image/png"); });
    root.querySelector("[data-signature-clear]").addEventListener("click", () => { ctx.clearRect(0, 0, canvas.width, canvas.height); input.value = ""; });
  }
  return { capitals, table, signature };
})();

// Signature pads: on load and in every part htmx swaps in (the live check re-renders the form's fields).
(function () {
  function setup(scope) {
    if (scope.matches && scope.matches("[data-signature]")) window.sanfuForm.signature(scope);
    scope.querySelectorAll("[data-signature]").forEach((el) => window.sanfuForm.signature(el));
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => setup(document));
  else setup(document);
  document.addEventListener("htmx:load", (event) => setup(event.detail.elt));
})();
