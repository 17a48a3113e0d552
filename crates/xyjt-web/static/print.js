// The print button of the notices page (no inline script: the Content-Security-Policy allows
// only scripts served from this origin).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () {
    window.print();
  });
});
