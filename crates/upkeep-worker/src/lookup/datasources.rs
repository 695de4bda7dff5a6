//! [`Datasources`]: the datasources one lookup may use — the built-in list, or any
//! set a test or an embedder injects.

use std::collections::BTreeMap;
use std::sync::Arc;

use upkeep_datasource::{
    BoxFuture, DatasourceApi, DatasourceError, LookupContext, ReleaseQuery, ReleaseResult,
};
use upkeep_types::Datasource;

/// The datasources a lookup may use.
#[derive(Clone)]
pub struct Datasources {
    list: Vec<Arc<dyn DatasourceApi>>,
}

impl Datasources {
    /// Every datasource upkeep has ([`upkeep_datasource::DATASOURCES`]).
    pub fn builtin() -> Datasources {
        let list = upkeep_datasource::DATASOURCES
            .iter()
            .map(|datasource| Arc::new(Builtin(*datasource)) as Arc<dyn DatasourceApi>)
            .collect();
        Datasources { list }
    }

    /// These datasources only (tests, embedders).
    pub fn new(list: Vec<Arc<dyn DatasourceApi>>) -> Datasources {
        Datasources { list }
    }

    /// The implementation of `datasource`, if there is one.
    pub fn get(&self, datasource: Datasource) -> Option<Arc<dyn DatasourceApi>> {
        self.list
            .iter()
            .find(|candidate| candidate.id() == datasource)
            .cloned()
    }
}

/// A `&'static` datasource behind an `Arc`, so built-in and injected ones mix.
struct Builtin(&'static dyn DatasourceApi);

impl DatasourceApi for Builtin {
    fn id(&self) -> Datasource {
        self.0.id()
    }
    fn default_registry_urls(&self) -> &'static [&'static str] {
        self.0.default_registry_urls()
    }
    fn get_releases<'a>(
        &'a self,
        context: &'a LookupContext,
        query: &'a ReleaseQuery,
    ) -> BoxFuture<'a, Result<ReleaseResult, DatasourceError>> {
        self.0.get_releases(context, query)
    }
    fn get_digest<'a>(
        &'a self,
        context: &'a LookupContext,
        query: &'a ReleaseQuery,
        version: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Option<String>, DatasourceError>> {
        self.0.get_digest(context, query, version)
    }
    fn get_release_timestamp<'a>(
        &'a self,
        context: &'a LookupContext,
        query: &'a ReleaseQuery,
        version: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, DatasourceError>> {
        self.0.get_release_timestamp(context, query, version)
    }
    fn get_dependency_requirements<'a>(
        &'a self,
        context: &'a LookupContext,
        query: &'a ReleaseQuery,
        version: &'a str,
    ) -> BoxFuture<'a, Result<Option<BTreeMap<String, String>>, DatasourceError>> {
        self.0.get_dependency_requirements(context, query, version)
    }
}
