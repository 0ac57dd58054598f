// Demo page for the public tracker. The ingestion key comes from ?key=... (create one with
// `flask keys create demo-site`) and is handed to /t.js exactly as a real site would embed it.
(function () {
  var params = new URLSearchParams(location.search);
  var key = params.get("key") || sessionStorage.getItem("demo-site-key");
  var status = document.getElementById("key-status");
  var log = document.getElementById("log");

  function note(text) {
    var item = document.createElement("li");
    item.textContent = new Date().toLocaleTimeString() + "  " + text;
    log.appendChild(item);
  }

  if (!key) {
    status.className = "status missing";
    status.textContent = "No ingestion key: open this page as /demo-site.html?key=obk_... " +
      "(run `flask keys create demo-site` to get one).";
    return;
  }
  sessionStorage.setItem("demo-site-key", key);
  // Keep the key out of the page URLs the tracker records.
  if (params.has("key")) history.replaceState({}, "", location.pathname);
  status.textContent = "Sending events with key " + key.slice(0, 12) + "…";

  var tracker = document.createElement("script");
  tracker.src = "/t.js";
  tracker.defer = true;
  tracker.dataset.key = key;
  tracker.onload = function () { note("page_view " + location.pathname + location.search); };
  document.head.appendChild(tracker);

  var titles = { pricing: "Simple pricing", docs: "Documentation" };
  document.querySelectorAll("[data-route]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var route = link.getAttribute("data-route");
      history.pushState({}, "", route);
      var page = new URLSearchParams(route.split("?")[1] || "").get("page");
      document.getElementById("title").textContent = titles[page] || "Widgets for every team";
      note("page_view " + route);
    });
  });

  function custom(id, name, properties) {
    document.getElementById(id).addEventListener("click", function () {
      window.ouroboard.track(name, properties);
      note(name);
    });
  }
  custom("signup", "trial_signup_click", { plan: "team" });
  custom("contact", "contact_sales_click", { source: "hero" });
})();
