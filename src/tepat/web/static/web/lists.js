// List tools (issue 19 §6): choosing a kecamatan reloads the filter form, so that the desa
// list the server sends back holds only that kecamatan's desa. Without JavaScript the user
// presses "Terapkan" and gets the same.
document.querySelectorAll("form.filter-grid select[name=kecamatan]").forEach(function (select) {
  select.addEventListener("change", function () {
    var desa = select.form.querySelector("select[name=desa]");
    if (desa) desa.value = "";  // a desa of the other kecamatan would be refused
    select.form.submit();
  });
});
