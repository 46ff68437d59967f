// Copy buttons next to checkout links on Manage Customer: <button data-copy="input-id">.
document.querySelectorAll("[data-copy]").forEach(function (button) {
  button.addEventListener("click", function () {
    var input = document.getElementById(button.dataset.copy);
    input.select();
    (navigator.clipboard ? navigator.clipboard.writeText(input.value) : Promise.reject()).then(
      function () { button.textContent = "Copied"; },
      function () { document.execCommand("copy"); button.textContent = "Copied"; }
    );
  });
});
