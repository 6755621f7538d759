var frames = [], details = null;
function num(g, n) { return parseFloat(g.getAttribute("data-" + n)); }
function fit(name, w) {
  var room = Math.floor((w - 6) / CHAR);
  if (room < 3) return "";
  return name.length <= room ? name : name.substring(0, room - 2) + "..";
}
function init(evt) {
  frames = Array.prototype.slice.call(document.getElementsByClassName("f"));
  details = document.getElementById("details");
  frames.forEach(function (g) {
    g.addEventListener("click", function () { zoom(g); });
    g.addEventListener("mouseover", function () {
      details.textContent = g.getElementsByTagName("title")[0].textContent;
    });
    g.addEventListener("mouseout", function () { details.textContent = " "; });
  });
  document.getElementById("reset").addEventListener("click", function () { zoom(null); });
  document.getElementById("search").addEventListener("click", search);
}
// Shows the frames overlapping [x0, x0 + span) (fractions of the root) across the full width.
function zoom(target) {
  var x0 = target ? num(target, "x") : 0, span = target ? num(target, "w") : 1;
  if (span <= 0) return;
  frames.forEach(function (g) {
    var fx = num(g, "x"), fw = num(g, "w");
    var from = Math.max(fx, x0), to = Math.min(fx + fw, x0 + span);
    if (to - from <= span * 1e-9) { g.style.display = "none"; return; }
    g.style.display = "";
    var x = PAD + (from - x0) / span * W, w = (to - from) / span * W;
    var r = g.getElementsByTagName("rect")[0], t = g.getElementsByTagName("text")[0];
    r.setAttribute("x", x); r.setAttribute("width", w);
    t.setAttribute("x", x + 3); t.textContent = fit(g.getAttribute("data-n"), w);
  });
}
// Highlights the frames whose name matches a regexp and shows the share of the root they cover.
function search() {
  var text = prompt("Search for (regexp), empty to clear:", "");
  if (text === null) return;
  var re = null;
  if (text !== "") { try { re = new RegExp(text); } catch (e) { alert(e); return; } }
  var hits = [];
  frames.forEach(function (g) {
    var r = g.getElementsByTagName("rect")[0];
    if (!r.hasAttribute("data-fill")) r.setAttribute("data-fill", r.getAttribute("fill"));
    var hit = re !== null && re.test(g.getAttribute("data-n"));
    r.setAttribute("fill", hit ? "rgb(230,0,230)" : r.getAttribute("data-fill"));
    if (hit) hits.push([num(g, "x"), num(g, "w")]);
  });
  hits.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
  var covered = 0, end = -1;
  hits.forEach(function (h) {
    if (h[0] >= end) { covered += h[1]; end = h[0] + h[1]; }
  });
  document.getElementById("matched").textContent =
    re === null ? " " : "Matched: " + (covered * 100).toFixed(1) + "%";
}
