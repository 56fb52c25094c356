// Passkey ceremonies for the sign-in, enrolment and account pages. The
// server sends WebAuthn options as JSON; the browser's own JSON helpers turn
// them into credentials and back, so no library is needed. Forms marked
// data-passkey stay hidden until this script runs: without JavaScript the
// page explains that passkeys need it.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !PublicKeyCredential.parseCreationOptionsFromJSON) {
    document.querySelectorAll("form[data-passkey]").forEach(function (form) {
      form.hidden = false;
      var status = form.querySelector(".passkey-status");
      status.textContent = "This browser does not support passkeys. Please use an up-to-date browser.";
      form.querySelector("button").disabled = true;
    });
    return;
  }

  var token = document.querySelector('meta[name="csrf-token"]');

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Accept": "application/json",
        "Content-Type": "application/json",
        "X-CSRF-Token": token ? token.content : ""
      },
      body: JSON.stringify(body || {})
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (!res.ok) {
          throw new Error(data.error || "Something went wrong. Please try again.");
        }
        return data;
      });
    });
  }

  function finishURL(form, ceremony) {
    var url = form.dataset.finish + "?ceremony=" + encodeURIComponent(ceremony);
    var name = form.querySelector('[name="name"]');
    if (name) {
      url += "&name=" + encodeURIComponent(name.value);
    }
    return url;
  }

  function register(form) {
    return post(form.dataset.begin).then(function (begin) {
      var options = PublicKeyCredential.parseCreationOptionsFromJSON(begin.options.publicKey);
      return navigator.credentials.create({ publicKey: options }).then(function (cred) {
        return post(finishURL(form, begin.ceremony), cred.toJSON());
      });
    });
  }

  var conditional = null; // the AbortController of a pending autofill request

  function signIn(form, mediation) {
    return post(form.dataset.begin).then(function (begin) {
      var request = { publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(begin.options.publicKey) };
      if (mediation) {
        conditional = new AbortController();
        request.mediation = mediation;
        request.signal = conditional.signal;
      }
      return navigator.credentials.get(request).then(function (cred) {
        return post(finishURL(form, begin.ceremony), cred.toJSON());
      });
    });
  }

  document.querySelectorAll("form[data-passkey]").forEach(function (form) {
    var status = form.querySelector(".passkey-status");
    var button = form.querySelector('button[type="submit"]');
    form.hidden = false;
    function done(result) {
      status.textContent = "Done. Taking you on…";
      window.location.assign(result.redirect);
    }
    function failed(err) {
      button.disabled = false;
      if (err && err.name === "AbortError") {
        return;
      }
      status.textContent = err && err.name === "NotAllowedError"
        ? "The passkey request was cancelled or timed out. You can try again."
        : (err && err.message) || "Something went wrong. Please try again.";
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      status.textContent = "Follow your device's prompt to use your passkey…";
      if (conditional) {
        conditional.abort();
        conditional = null;
      }
      var run = form.dataset.passkey === "signin" ? signIn(form) : register(form);
      run.then(done, failed);
    });
    // Offer passkeys in the username field's autofill where supported,
    // from the moment the field is first focused (not on page load: a page
    // reached by signing out should not sign straight back in).
    var username = form.querySelector('[autocomplete~="webauthn"]');
    if (username && PublicKeyCredential.isConditionalMediationAvailable) {
      username.addEventListener("focus", function () {
        if (conditional) {
          return;
        }
        PublicKeyCredential.isConditionalMediationAvailable().then(function (ok) {
          if (ok && !conditional) {
            signIn(form, "conditional").then(done, failed);
          }
        });
      }, { once: true });
    }
  });
})();
