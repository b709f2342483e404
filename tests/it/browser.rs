//! Journeys in headless Chromium. Each saves a screenshot under target/screenshots on failure.

use fantoccini::Locator;
use langnghe_app::db::{demo, ratings};
use langnghe_tests::{both_databases, Browser, TestApp};

both_databases!(
    a_citizen_rates_on_the_kiosk_page,
    |app: TestApp| async move {
        let Some(b) = Browser::start(1024, 600).await else {
            return;
        };
        let result = async {
            let token = demo::demo_kiosk_token(0);
            b.client
                .goto(&app.url(&format!("/kiosk?token={token}")))
                .await
                .map_err(|e| e.to_string())?;
            b.wait_for_path("/kiosk").await?;
            let face = b
                .client
                .find(Locator::Css("button.face-4"))
                .await
                .map_err(|e| e.to_string())?;
            face.click().await.map_err(|e| e.to_string())?;
            let thanks = b.wait_for_path("/kiosk/thanks").await?;
            let (list, total) = ratings::list(&app.db, "/", &Default::default(), 10, 0)
                .await
                .map_err(|e| e.to_string())?;
            if total != 1 || list[0].score != 4 || list[0].channel != "kiosk" {
                return Err(format!(
                    "expected one kiosk rating of 4, got {total}: {list:?}"
                ));
            }
            // The optional second step: one element and a comment.
            let first = b
                .client
                .find(Locator::Css(".element-row .mini-face.face-2"))
                .await
                .map_err(|e| e.to_string())?;
            first.click().await.map_err(|e| e.to_string())?;
            let comment = b
                .client
                .find(Locator::Id("comment"))
                .await
                .map_err(|e| e.to_string())?;
            comment
                .send_keys("Cần thêm ghế chờ")
                .await
                .map_err(|e| e.to_string())?;
            b.client
                .find(Locator::Css(".kiosk-actions button[type=submit]"))
                .await
                .map_err(|e| e.to_string())?
                .click()
                .await
                .map_err(|e| e.to_string())?;
            b.wait_for_path("/kiosk/done").await?;
            let (list, _) = ratings::list(&app.db, "/", &Default::default(), 10, 0)
                .await
                .map_err(|e| e.to_string())?;
            if list[0].comment.as_deref() != Some("Cần thêm ghế chờ") {
                return Err(format!(
                    "comment not saved after {thanks}: {:?}",
                    list[0].comment
                ));
            }
            // The thank-you page goes back to the faces by itself.
            b.wait_for_exact_path("/kiosk").await?;
            Ok::<_, String>(())
        }
        .await;
        if let Err(e) = result {
            b.screenshot("kiosk-rating").await;
            panic!("kiosk journey failed: {e}");
        }
    }
);
