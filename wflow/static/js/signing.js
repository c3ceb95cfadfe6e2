// wflow — signing with a key the signer holds: a WebCrypto key kept in this browser
// (non-extractable, in IndexedDB) or a token's key through the signing agent on 127.0.0.1.
// The server prepares what to sign and embeds the signature; the private key never leaves.
(function () {
  "use strict";

  var DB_NAME = "wflow-keys";
  var STORE = "keys";
  var ECDSA = { name: "ECDSA", hash: "SHA-256" };

  function agentUrl() {
    return window.localStorage.getItem("wflow-agent") || "http://127.0.0.1:8765";
  }

  function toBase64(buffer) {
    var bytes = new Uint8Array(buffer);
    var text = "";
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return window.btoa(text);
  }

  function fromBase64(text) {
    var raw = window.atob(text);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function openKeys() {
    return new Promise(function (resolve, reject) {
      var request = window.indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function keyStore(mode, action) {
    return openKeys().then(function (db) {
      return new Promise(function (resolve, reject) {
        var request = action(db.transaction(STORE, mode).objectStore(STORE));
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    });
  }

  function say(form, text, isError) {
    var out = form.querySelector("[data-sign-status]");
    if (!out) return;
    out.textContent = text;
    out.setAttribute("role", isError ? "alert" : "status");
    out.classList.toggle("error", Boolean(isError));
  }

  function post(url, data) {
    return window.fetch(url, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      return response.json().catch(function () {
        return { error: response.status + " " + response.statusText };
      }).then(function (body) { return { status: response.status, body: body }; });
    });
  }

  function reason(body) {
    var error = body && body.error;
    return (error && error.message) || error || "";
  }

  function signWithBrowser(form, fingerprint, data) {
    return keyStore("readonly", function (store) { return store.get(fingerprint); })
      .then(function (found) {
        if (!found) throw new Error(form.dataset.msgNoKey);
        return window.crypto.subtle.sign(ECDSA, found.key, data);
      });
  }

  function signWithAgent(form, data, prepared) {
    return window.fetch(agentUrl() + "/sign", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        to_sign: toBase64(data), document: prepared.document, signer: prepared.signer,
      }),
    }).catch(function () { throw new Error(form.dataset.msgAgent); })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) throw new Error(reason(body) || form.dataset.msgAgent);
          return fromBase64(body.signature);
        });
      });
  }

  function signOnce(form, choice) {
    return post(form.dataset.prepare, new FormData(form)).then(function (prepared) {
      if (prepared.status !== 200) throw new Error(reason(prepared.body));
      say(form, form.dataset.msgSigning, false);
      var data = fromBase64(prepared.body.to_sign);
      var made = choice.dataset.source === "browser"
        ? signWithBrowser(form, choice.dataset.fingerprint, data)
        : signWithAgent(form, data, prepared.body);
      return made.then(function (signature) {
        var back = new FormData();
        back.append("csrf_token", form.elements.csrf_token.value);
        back.append("pending", prepared.body.pending);
        back.append("signature", toBase64(signature));
        return post(form.dataset.finish, back);
      });
    });
  }

  function sign(form, choice, attempts) {
    return signOnce(form, choice).then(function (done) {
      if (done.status === 200) { window.location.assign(done.body.redirect); return; }
      if (done.status === 409 && done.body.retry && attempts > 1) {
        return sign(form, choice, attempts - 1);  // another party signed meanwhile
      }
      throw new Error(reason(done.body));
    });
  }

  function enrol(form) {
    if (!window.crypto || !window.crypto.subtle || !window.indexedDB) {
      say(form, form.dataset.msgUnsupported, true);
      return;
    }
    say(form, form.dataset.msgWorking, false);
    var pair;
    window.crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false,
      ["sign", "verify"])
      .then(function (made) {
        pair = made;
        return window.crypto.subtle.exportKey("spki", pair.publicKey);
      })
      .then(function (spki) {
        var prefix = new TextEncoder().encode("wflow-enrol:" + form.dataset.nonce + ":");
        var message = new Uint8Array(prefix.length + spki.byteLength);
        message.set(prefix, 0);
        message.set(new Uint8Array(spki), prefix.length);
        return window.crypto.subtle.sign(ECDSA, pair.privateKey, message).then(function (proof) {
          var data = new FormData();
          data.append("csrf_token", form.elements.csrf_token.value);
          data.append("spki", toBase64(spki));
          data.append("proof", toBase64(proof));
          return post(form.action, data);
        });
      })
      .then(function (answer) {
        if (answer.status !== 200) throw new Error(reason(answer.body));
        var record = { key: pair.privateKey, created: new Date().toISOString() };
        return keyStore("readwrite", function (store) {
          return store.put(record, answer.body.fingerprint);
        }).then(function () { window.location.assign(answer.body.redirect); });
      })
      .catch(function (error) { say(form, error.message, true); });
  }

  function readFromAgent(button) {
    var target = document.getElementById(button.dataset.agentRead);
    window.fetch(agentUrl() + "/certificate")
      .then(function (response) { return response.json(); })
      .then(function (body) { target.value = [body.certificate].concat(body.chain || []).join(""); })
      .catch(function () { window.alert(button.dataset.msgUnreachable); });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches("form[data-enrol-browser]")) {
      event.preventDefault();
      enrol(form);
      return;
    }
    if (!form.matches("form[data-prepare]")) return;
    var choice = form.querySelector("input[name=key]:checked");
    if (!choice || !choice.dataset.source) return;  // the server's key: an ordinary post
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    sign(form, choice, 3).catch(function (error) {
      say(form, error.message, true);
      if (button) button.disabled = false;
    });
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-agent-read]");
    if (button) readFromAgent(button);
  });
})();
