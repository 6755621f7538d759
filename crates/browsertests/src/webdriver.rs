//! The WebDriver commands the suite uses, against a chromedriver this process starts and stops.

use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};

use crate::http;

/// The W3C key of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A chromedriver process with one headless Chromium session.
#[derive(Debug)]
pub struct Browser {
    driver: Child,
    addr: SocketAddr,
    session: String,
    _profile_dir: tempfile::TempDir,
}

/// An element reference.
#[derive(Debug, Clone)]
pub struct Element(String);

impl Browser {
    /// Starts chromedriver and a fresh headless Chromium (its own user data dir).
    pub fn start() -> Result<Browser, String> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("chromedriver: {e}"))?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let profile_dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mut browser = Browser {
            driver,
            addr,
            session: String::new(),
            _profile_dir: profile_dir,
        };
        browser.wait_ready()?;
        browser.session = browser.new_session()?;
        Ok(browser)
    }

    fn wait_ready(&self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(r) = http::request(self.addr, "GET", "/status", None) {
                if r.status == 200 {
                    return Ok(());
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err("chromedriver did not start within 30s".into())
    }

    fn new_session(&self) -> Result<String, String> {
        let user_data = self._profile_dir.path().display().to_string();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "unhandledPromptBehavior": "ignore",
            "timeouts": {"pageLoad": 120000, "script": 120000},
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                         "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync",
                         "--window-size=1280,900", format!("--user-data-dir={user_data}")],
            }
        }}});
        let v = self.call("POST", "/session", Some(caps))?;
        v["sessionId"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("no session id in {v}"))
    }

    /// Sends a command; returns its `value`, or the WebDriver error as text.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let text = (method == "POST").then(|| body.unwrap_or_else(|| json!({})).to_string());
        let reply = http::request(self.addr, method, path, text.as_deref())
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let v: Value = serde_json::from_slice(&reply.body).map_err(|e| format!("{path}: {e}"))?;
        if reply.status != 200 {
            return Err(format!("{method} {path}: {} {}", reply.status, v["value"]));
        }
        Ok(v["value"].clone())
    }

    fn session_call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        self.call(method, &format!("/session/{}{path}", self.session), body)
    }

    /// Navigates and waits for the load event.
    pub fn goto(&self, url: &str) -> Result<(), String> {
        self.session_call("POST", "/url", Some(json!({ "url": url })))
            .map(drop)
    }

    /// Runs `source` at the start of every document loaded from now on (through the DevTools
    /// protocol, so before the page's own scripts and regardless of its CSP).
    pub fn on_new_document(&self, source: &str) -> Result<(), String> {
        let params = json!({"cmd": "Page.addScriptToEvaluateOnNewDocument",
                            "params": {"source": source}});
        self.session_call("POST", "/goog/cdp/execute", Some(params))
            .map(drop)
    }

    /// The current URL.
    pub fn url(&self) -> Result<String, String> {
        let v = self.session_call("GET", "/url", None)?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns its result.
    pub fn eval(&self, script: &str, args: Value) -> Result<Value, String> {
        self.session_call(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
    }

    /// The first element matching a CSS selector.
    pub fn find(&self, css: &str) -> Result<Element, String> {
        let v = self.session_call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        )?;
        v[ELEMENT]
            .as_str()
            .map(|id| Element(id.to_string()))
            .ok_or_else(|| format!("no element {css}"))
    }

    /// Clicks an element's centre.
    pub fn click(&self, e: &Element) -> Result<(), String> {
        self.session_call("POST", &format!("/element/{}/click", e.0), Some(json!({})))
            .map(drop)
    }

    /// Types into an element.
    pub fn type_text(&self, e: &Element, text: &str) -> Result<(), String> {
        self.session_call(
            "POST",
            &format!("/element/{}/value", e.0),
            Some(json!({ "text": text })),
        )
        .map(drop)
    }

    /// Moves the mouse to (`x`, `y`) from an element's centre and, with `button` (0 left,
    /// 2 right), clicks there.
    pub fn pointer(&self, e: &Element, x: i64, y: i64, button: Option<u8>) -> Result<(), String> {
        let mut steps = vec![json!({"type": "pointerMove", "duration": 0,
            "origin": { ELEMENT: e.0 }, "x": x, "y": y})];
        if let Some(button) = button {
            steps.push(json!({"type": "pointerDown", "button": button}));
            steps.push(json!({"type": "pointerUp", "button": button}));
        }
        let actions = json!({"actions": [{"type": "pointer", "id": "mouse",
            "parameters": {"pointerType": "mouse"}, "actions": steps}]});
        self.session_call("POST", "/actions", Some(actions))
            .map(drop)
    }

    /// The text of an open alert, prompt or confirm dialog, if one is open.
    pub fn open_dialog(&self) -> Option<String> {
        self.session_call("GET", "/alert/text", None)
            .ok()
            .map(|v| v.as_str().unwrap_or_default().to_string())
    }

    /// Saves a PNG screenshot of the viewport.
    pub fn screenshot(&self, path: &std::path::Path) -> Result<(), String> {
        let v = self.session_call("GET", "/screenshot", None)?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .map_err(|e| e.to_string())?;
        std::fs::write(path, png).map_err(|e| e.to_string())
    }

    /// Polls the JavaScript expression `expr` until it is truthy, for at most `secs` seconds.
    pub fn wait_for(&self, expr: &str, secs: u64) -> Result<Value, String> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        let script = format!("return ({expr});");
        loop {
            let v = self.eval(&script, json!([]))?;
            let truthy = !(v.is_null() || v == json!(false) || v == json!(0) || v == json!(""));
            if truthy {
                return Ok(v);
            }
            if Instant::now() > deadline {
                return Err(format!("timed out waiting for: {expr}"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.call("DELETE", &format!("/session/{}", self.session), None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
