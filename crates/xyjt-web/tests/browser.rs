//! End-to-end tests in a real browser: Debian's Chromium, headless, driven through ChromeDriver
//! (WebDriver) against the real server on a real port with the demo data.
//!
//! `scripts/install-browser.sh` installs both (`.ci/run` calls it). Without them the tests say
//! SKIPPED — except under `CI=true`, where a missing browser is a failure.
//! `XYJT_SCREENSHOTS=DIR` also saves screenshots of the main pages there (docs/screenshots).

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use xyjt_core::calendar::Calendar;
use xyjt_store::Store;
use xyjt_web::{AppState, Application};

const PASSWORD: &str = xyjt_app::accounts::DEMO_PASSWORD;

struct Driver {
    process: Child,
    client: Client,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts ChromeDriver and a headless Chromium session, or `None` (SKIPPED) when they are not
/// installed outside CI.
async fn browser(width: u32, height: u32) -> Option<Driver> {
    let have = |cmd: &str| {
        Command::new(cmd)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    };
    if !have("chromedriver") || !have("chromium") {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true: chromium and chromedriver are required (scripts/install-browser.sh)"
        );
        eprintln!("SKIPPED: chromium/chromedriver not installed (run scripts/install-browser.sh)");
        return None;
    }
    let port = free_port();
    let process = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let caps = json!({
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--no-first-run", "--lang=zh-CN",
                     format!("--window-size={width},{height}")]
        }
    });
    let mut builder = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
    builder.capabilities(caps.as_object().unwrap().clone());
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if let Ok(client) = builder.connect(&url).await {
            return Some(Driver { process, client });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut process = process;
    let _ = process.kill();
    let _ = process.wait();
    panic!("chromedriver did not answer on {url}");
}

/// The demo data set (subjects, decisions, lists, workflows, accounts) served on a free port.
async fn server() -> (Arc<dyn Store>, String) {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("browser-{}.db", uuid::Uuid::now_v7()));
    let store = xyjt_store::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let today = xyjt_core::clock::today_in_china();
    for chunk in xyjt_core::demo::generate(today, 20_261_122).chunks(2000) {
        store.append(chunk.to_vec()).await.unwrap();
    }
    store
        .append(xyjt_app::accounts::demo_account_events())
        .await
        .unwrap();
    let calendar = Calendar::builtin();
    xyjt_app::demo::seed_demo_workflows(
        store.as_ref(),
        xyjt_core::policies::Policies::builtin_ref(),
        today,
    )
    .await
    .unwrap();
    let state = AppState::new(store.clone(), calendar).await.unwrap();
    let app = Application::build(state, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let base = format!("http://{}", app.local_addr().unwrap());
    tokio::spawn(app.run(std::future::pending()));
    (store, base)
}

async fn shot(c: &Client, name: &str) {
    if let Ok(dir) = std::env::var("XYJT_SCREENSHOTS") {
        std::fs::create_dir_all(&dir).unwrap();
        let png = c.screenshot().await.unwrap();
        std::fs::write(std::path::Path::new(&dir).join(format!("{name}.png")), png).unwrap();
    }
}

async fn text_of(c: &Client, css: &str) -> String {
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn sign_in(c: &Client, base: &str, login: &str) {
    c.goto(&format!("{base}/console/login")).await.unwrap();
    c.find(Locator::Id("login"))
        .await
        .unwrap()
        .send_keys(login)
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    c.find(Locator::Id("signin"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Id("pending-count"))
        .await
        .unwrap();
}

async fn sign_out(c: &Client) {
    c.find(Locator::Css("form[action='/console/logout'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Id("signin"))
        .await
        .unwrap();
}

/// The citizen's way in: search the portal, open a company's profile, read its publicity.
#[tokio::test]
async fn search_leads_to_a_profile_with_its_publicity() {
    let Some(d) = browser(1280, 900).await else {
        return;
    };
    let (store, base) = server().await;
    let c = &d.client;
    // A demo company with a public penalty.
    let records = store
        .public_records(&xyjt_store::PublicityQuery {
            on: xyjt_core::clock::today_in_china(),
            category: Some(xyjt_core::record::RecordCategory::Penalty),
            unit: None,
            decided_from: None,
            decided_to: None,
            limit: 50,
            offset: 0,
        })
        .await
        .unwrap();
    let record = records
        .items
        .iter()
        .find(|r| r.body.party().uscc.is_some())
        .unwrap();
    let name = record.body.party().name.clone();
    c.goto(&base).await.unwrap();
    shot(c, "portal-home").await;
    let search = c.find(Locator::Css("input[name='q']")).await.unwrap();
    search.send_keys(&name).await.unwrap();
    c.find(Locator::Css("form[action='/'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let link = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::LinkText(&name))
        .await
        .unwrap();
    link.click().await.unwrap();
    let heading = text_of(c, "h1").await;
    assert_eq!(heading, name);
    let page = c.source().await.unwrap();
    assert!(page.contains("公示中的信用记录"));
    assert!(
        page.contains(record.body.doc_no()),
        "the public penalty is listed"
    );
    shot(c, "portal-profile").await;
    c.goto(&format!("{base}/publicity")).await.unwrap();
    assert!(text_of(c, "h1").await.contains("双公示"));
    shot(c, "portal-publicity").await;
    // Nowhere on these pages a full citizen ID number.
    let id = regex_free_full_id(&c.source().await.unwrap());
    assert!(id.is_none(), "unmasked ID {id:?}");
    d.client.clone().close().await.unwrap();
}

/// An 18-character citizen ID (17 digits and a digit or X) that passes its check character.
fn regex_free_full_id(html: &str) -> Option<String> {
    let chars: Vec<char> = html.chars().collect();
    for w in chars.windows(18) {
        let s: String = w.iter().collect();
        if w[..17].iter().all(char::is_ascii_digit)
            && (w[17].is_ascii_digit() || w[17] == 'X')
            && xyjt_core::ident::CitizenId::parse(&s).is_ok()
        {
            return Some(s);
        }
    }
    None
}

/// A clerk imports a file in the console, a reviewer of the unit publishes it, and the decision
/// appears on the portal.
#[tokio::test]
async fn import_review_publish_and_see_it_on_the_portal() {
    let Some(d) = browser(1280, 1000).await else {
        return;
    };
    let (_store, base) = server().await;
    let c = &d.client;
    sign_in(c, &base, "xl-lr").await;
    shot(c, "console-dashboard").await;
    // The unit's own code comes prefilled on the entry form; reuse it in the file.
    c.goto(&format!("{base}/console/records/new?category=penalty"))
        .await
        .unwrap();
    let code = c
        .find(Locator::Id("CF_SJLYDM"))
        .await
        .unwrap()
        .attr("value")
        .await
        .unwrap()
        .unwrap();
    let unit = "西岭市交通运输综合行政执法支队";
    let today = xyjt_core::clock::today_in_china();
    let decided = today - chrono::Duration::days(2);
    let header = "CF_XDR_MC,CF_XDR_LB,CF_XDR_SHXYM,CF_WSH,CF_WFXW,CF_SY,CF_YJ,CF_CFLB,CF_NR,CF_NR_FK,CF_JDRQ,CF_YXQ,CF_CFJG,CF_CFJGDM,CF_SJLY,CF_SJLYDM";
    let row = |doc: &str, date: &str| {
        format!(
            "示范市浏览器测试物流有限公司,法人及非法人组织,91350100M000100Y43,{doc},超限运输,车货总重超限,《公路安全保护条例》第六十六条,罚款,罚款人民币2000元,0.2,{date},{},{unit},{code},{unit},{code}",
            today + chrono::Duration::days(365)
        )
    };
    let csv = format!(
        "{header}\n{}\n{}\n",
        row("西交执罚〔2026〕E2E1号", &decided.to_string()),
        row("西交执罚〔2026〕E2E2号", "2026-13-01")
    );
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("e2e-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("处罚信息.csv");
    std::fs::write(&file, csv).unwrap();
    c.goto(&format!("{base}/console/import")).await.unwrap();
    c.find(Locator::Id("file"))
        .await
        .unwrap()
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    c.find(Locator::Id("upload"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(text_of(c, "#valid-rows").await, "1");
    assert_eq!(text_of(c, "#rejected-rows").await, "1");
    let errors = text_of(c, "#row-errors").await;
    assert!(
        errors.contains("第2行") && errors.contains("CF_JDRQ"),
        "{errors}"
    );
    shot(c, "console-submission").await;
    let submission = c.current_url().await.unwrap().to_string();
    sign_out(c).await;
    sign_in(c, &base, "xl-sh").await;
    c.goto(&submission).await.unwrap();
    c.find(Locator::Id("comment"))
        .await
        .unwrap()
        .send_keys("核对无误")
        .await
        .unwrap();
    c.find(Locator::Id("approve"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath("//h1[contains(., '已审核发布')]"))
        .await
        .unwrap();
    // On the portal.
    c.goto(&format!(
        "{base}/?q=%E6%B5%8F%E8%A7%88%E5%99%A8%E6%B5%8B%E8%AF%95"
    ))
    .await
    .unwrap();
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::LinkText("示范市浏览器测试物流有限公司"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let page = c.source().await.unwrap();
    assert!(page.contains("西交执罚〔2026〕E2E1号"), "published");
    assert!(!page.contains("E2E2"), "the rejected row is not");
    d.client.clone().close().await.unwrap();
}

/// The console's inbox colours deadlines by urgency; a screenshot of it for the docs.
#[tokio::test]
async fn the_inbox_colours_due_dates_by_urgency() {
    let Some(d) = browser(1280, 900).await else {
        return;
    };
    let (_store, base) = server().await;
    let c = &d.client;
    sign_in(c, &base, "admin").await;
    c.goto(&format!("{base}/console/applications"))
        .await
        .unwrap();
    // The demo has an overdue objection of 西岭 (red) among others.
    let overdue = c.find_all(Locator::Css("#inbox tr.urgent")).await.unwrap();
    assert!(!overdue.is_empty(), "an overdue application is red");
    let first = overdue[0].text().await.unwrap();
    assert!(first.contains("已逾期"), "{first}");
    shot(c, "console-inbox").await;
    d.client.clone().close().await.unwrap();
}

/// An objection filed on the portal, upheld in the console by the unit's reviewer, changes the
/// public profile; the applicant follows it with the number and query code.
#[tokio::test]
async fn an_objection_filed_on_the_portal_and_upheld_in_the_console_changes_the_profile() {
    let Some(d) = browser(1280, 1000).await else {
        return;
    };
    let (store, base) = server().await;
    let c = &d.client;
    let today = xyjt_core::clock::today_in_china();
    // A public 西岭 penalty not already under objection.
    let page = store
        .public_records(&xyjt_store::PublicityQuery {
            on: today,
            category: Some(xyjt_core::record::RecordCategory::Penalty),
            unit: Some("西岭市交通运输综合行政执法支队".into()),
            decided_from: None,
            decided_to: None,
            limit: 50,
            offset: 0,
        })
        .await
        .unwrap();
    let open = store
        .applications(&xyjt_store::AppQuery {
            open: Some(true),
            ..Default::default()
        })
        .await
        .unwrap();
    let record = page
        .items
        .iter()
        .find(|r| {
            !open
                .iter()
                .any(|a| a.app.target.record_id.as_deref() == Some(r.id.as_str()))
        })
        .unwrap();
    let corrected = "罚款人民币100元（浏览器测试更正）";
    c.goto(&format!("{base}/objections/new?record={}", record.id))
        .await
        .unwrap();
    shot(c, "portal-objection-form").await;
    c.find(Locator::Id("reason"))
        .await
        .unwrap()
        .send_keys("处罚内容与决定书不一致")
        .await
        .unwrap();
    c.find(Locator::Id("field"))
        .await
        .unwrap()
        .select_by_value("content")
        .await
        .unwrap();
    c.find(Locator::Id("value"))
        .await
        .unwrap()
        .send_keys(corrected)
        .await
        .unwrap();
    let name = c.find(Locator::Id("name")).await.unwrap();
    name.clear().await.unwrap();
    name.send_keys("示范市某运输有限公司").await.unwrap();
    c.find(Locator::Css("form.apply button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let number = text_of(c, "#number").await;
    let code = text_of(c, "#query-code").await;
    assert!(number.starts_with("YY-"), "{number}");
    // The profile marks the record.
    c.goto(&format!("{base}/subjects/{}", record.subject_id))
        .await
        .unwrap();
    assert!(c.source().await.unwrap().contains("异议处理中"));
    // The unit's reviewer upholds it in the console.
    sign_in(c, &base, "xl-sh").await;
    c.goto(&format!("{base}/console/applications/{number}"))
        .await
        .unwrap();
    c.find(Locator::Id("granted"))
        .await
        .unwrap()
        .select_by_value("true")
        .await
        .unwrap();
    c.find(Locator::Id("decision-reason"))
        .await
        .unwrap()
        .send_keys("经核实，处罚内容录入有误，予以更正")
        .await
        .unwrap();
    shot(c, "console-application").await;
    c.find(Locator::Id("decide"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(
            "//strong[@id='app-status' and contains(., '异议成立')]",
        ))
        .await
        .unwrap();
    sign_out(c).await;
    // The public profile shows the corrected content, no longer under objection.
    c.goto(&format!("{base}/subjects/{}", record.subject_id))
        .await
        .unwrap();
    let profile = c.source().await.unwrap();
    assert!(profile.contains(corrected), "corrected on the profile");
    assert!(!profile.contains("异议处理中"));
    // The applicant sees the outcome with number and code.
    c.goto(&format!(
        "{base}/applications?number={number}&query_code={code}"
    ))
    .await
    .unwrap();
    assert!(c.source().await.unwrap().contains("异议成立"));
    shot(c, "portal-application-progress").await;
    d.client.clone().close().await.unwrap();
}

/// The portal on a phone-sized screen: the navigation wraps and nothing needs a wider window.
#[tokio::test]
async fn the_portal_fits_a_phone() {
    let Some(d) = browser(390, 844).await else {
        return;
    };
    let (_store, base) = server().await;
    let c = &d.client;
    for (path, name) in [
        ("/", "phone-home"),
        ("/publicity", "phone-publicity"),
        ("/lists/black", "phone-blacklist"),
    ] {
        c.goto(&format!("{base}{path}")).await.unwrap();
        // The page itself does not scroll sideways (wide tables scroll inside their box).
        let wider = c
            .execute(
                "return document.documentElement.scrollWidth > window.innerWidth + 1;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            wider,
            serde_json::Value::Bool(false),
            "{path} overflows a phone screen"
        );
        shot(c, name).await;
    }
    d.client.clone().close().await.unwrap();
}
