//! A scratch PostgreSQL database per test.

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

/// A fresh PostgreSQL database for one test, made through `NIANBAO_TEST_POSTGRES_URL`.
pub(in crate::repo) struct ScratchPostgres {
    admin: DatabaseConnection,
    database: String,
    /// The URL of the fresh database.
    pub url: String,
}

impl ScratchPostgres {
    /// Creates the database, or `None` when no PostgreSQL is configured.
    pub(in crate::repo) async fn create(name: &str) -> Option<ScratchPostgres> {
        let admin_url = std::env::var("NIANBAO_TEST_POSTGRES_URL").ok()?;
        let database = format!(
            "nianbao_test_{name}_{}_{}",
            std::process::id(),
            crate::repo::access::auth::new_token_id()
        );
        let admin = Database::connect(admin_url.as_str()).await.unwrap();
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{database}\""))
            .await
            .unwrap();
        let base = admin_url.rsplit_once('/').unwrap().0;
        let url = format!("{base}/{database}");
        Some(ScratchPostgres {
            admin,
            database,
            url,
        })
    }

    /// Drops the database.
    pub(in crate::repo) async fn drop(self) {
        self.admin
            .execute_unprepared(&format!("DROP DATABASE \"{}\" WITH (FORCE)", self.database))
            .await
            .unwrap();
        self.admin.close().await.unwrap();
    }
}
