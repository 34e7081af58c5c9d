// The mapping editor: line numbers beside the text, a mark on the problems while the text
// has changed since they were checked, and problems that take the caret to their line and
// column. The page works without it; the server does every check.
(function () {
  "use strict";

  function lineCount(text) {
    return text.split("\n").length;
  }

  function setUp(ta) {
    var wrap = document.createElement("div");
    wrap.className = "editor";
    var gutter = document.createElement("pre");
    gutter.className = "gutter";
    gutter.id = "gutter";
    gutter.setAttribute("aria-hidden", "true");
    ta.parentNode.insertBefore(wrap, ta);
    wrap.appendChild(gutter);
    wrap.appendChild(ta);

    var shown = 0;
    function number() {
      var n = lineCount(ta.value);
      if (n !== shown) {
        var s = "";
        for (var i = 1; i <= n; i++) {
          s += i + "\n";
        }
        gutter.textContent = s;
        shown = n;
      }
      gutter.scrollTop = ta.scrollTop;
    }
    ta.addEventListener("input", function () {
      number();
      var check = document.getElementById("check");
      if (check) {
        check.classList.add("stale");
      }
    });
    ta.addEventListener("scroll", function () {
      gutter.scrollTop = ta.scrollTop;
    });
    number();
  }

  // goTo puts the caret at a line and column (both from 1) and scrolls the line into view.
  function goTo(ta, line, col) {
    var lines = ta.value.split("\n");
    var pos = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) {
      pos += lines[i].length + 1;
    }
    if (line - 1 < lines.length) {
      pos += Math.min(Math.max(col - 1, 0), lines[line - 1].length);
    }
    ta.focus();
    ta.setSelectionRange(pos, pos);
    var height = parseFloat(window.getComputedStyle(ta).lineHeight) || 16;
    ta.scrollTop = Math.max(0, (line - 4) * height);
  }

  document.addEventListener("click", function (e) {
    var a = e.target.closest ? e.target.closest("a.diag-at") : null;
    var ta = document.getElementById("src");
    if (!a || !ta || !a.dataset.line || a.dataset.line === "0") {
      return;
    }
    e.preventDefault();
    goTo(ta, Number(a.dataset.line), Number(a.dataset.col));
  });

  document.addEventListener("DOMContentLoaded", function () {
    var ta = document.getElementById("src");
    if (ta) {
      setUp(ta);
    }
  });
})();
