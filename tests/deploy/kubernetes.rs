//! deploy/kubernetes/: every manifest parsed as its typed Kubernetes object (and the
//! ExternalSecret as a struct written from the operator's CRD reference), re-serialised
//! to prove no field was misspelt or ignored, then checked for the invariants a
//! production deployment needs and against upkeep's real flags, variables and routes.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::batch::v1::CronJob;
use k8s_openapi::api::core::v1::{ConfigMap, Container, PodSpec, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The routes `serve` answers (upkeep-server's router, issue 8 part 1).
const SERVE_ROUTES: &[&str] = &["/healthz", "/readyz", "/metrics", "/webhooks/github"];

/// External Secrets Operator's `ExternalSecret` (`external-secrets.io/v1`), the fields
/// this deployment uses; unknown fields are refused so a typo fails here, not in the
/// cluster.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ExternalSecret {
    api_version: String,
    kind: String,
    metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    spec: ExternalSecretSpec,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ExternalSecretSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_interval: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_policy: Option<RefreshPolicy>,
    secret_store_ref: SecretStoreRef,
    target: ExternalSecretTarget,
    #[serde(default)]
    data: Vec<ExternalSecretData>,
}

#[derive(Debug, Serialize, Deserialize)]
enum RefreshPolicy {
    CreatedOnce,
    Periodic,
    OnChange,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretStoreRef {
    name: String,
    kind: StoreKind,
}

#[derive(Debug, Serialize, Deserialize)]
enum StoreKind {
    SecretStore,
    ClusterSecretStore,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ExternalSecretTarget {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    creation_policy: Option<CreationPolicy>,
}

#[derive(Debug, Serialize, Deserialize)]
enum CreationPolicy {
    Owner,
    Orphan,
    Merge,
    None,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ExternalSecretData {
    secret_key: String,
    remote_ref: RemoteRef,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RemoteRef {
    key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    property: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
}

/// kustomize's `Kustomization`, the fields used.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
struct Kustomization {
    api_version: String,
    kind: String,
    namespace: Option<String>,
    labels: Vec<Value>,
    resources: Vec<String>,
    images: Vec<Value>,
}

/// Every object of the directory, typed.
#[derive(Default)]
struct Objects {
    cron_jobs: Vec<CronJob>,
    deployments: Vec<Deployment>,
    services: Vec<Service>,
    service_accounts: Vec<ServiceAccount>,
    config_maps: Vec<ConfigMap>,
    network_policies: Vec<NetworkPolicy>,
    external_secrets: Vec<ExternalSecret>,
}

/// Parses `document` as `T` and checks that serialising it back gives the same JSON:
/// a field the type does not know would be lost on the way.
fn typed<T: serde::de::DeserializeOwned + Serialize>(file: &str, document: &Value) -> T {
    let object: T = serde_json::from_value(document.clone())
        .unwrap_or_else(|error| panic!("{file}: not a valid {}: {error}", document["kind"]));
    let back = serde_json::to_value(&object).unwrap();
    assert_eq!(
        &back, document,
        "{file}: a field was not understood by the typed {}",
        document["kind"]
    );
    object
}

fn load() -> Objects {
    let kustomization: Kustomization =
        serde_saphyr::from_str(&super::read("deploy/kubernetes/kustomization.yaml")).unwrap();
    let directory = super::root().join("deploy/kubernetes");
    let mut on_disk: Vec<String> = std::fs::read_dir(&directory)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".yaml") && name != "kustomization.yaml")
        .collect();
    on_disk.sort();
    let mut listed = kustomization.resources.clone();
    listed.sort();
    assert_eq!(
        listed, on_disk,
        "kustomization.yaml lists exactly the manifests"
    );

    let mut objects = Objects::default();
    for file in &kustomization.resources {
        let text = super::read(&format!("deploy/kubernetes/{file}"));
        let documents: Vec<Value> =
            serde_saphyr::from_multiple(&text).unwrap_or_else(|error| panic!("{file}: {error}"));
        for document in documents {
            match document["kind"].as_str().unwrap_or_default() {
                "CronJob" => objects.cron_jobs.push(typed(file, &document)),
                "Deployment" => objects.deployments.push(typed(file, &document)),
                "Service" => objects.services.push(typed(file, &document)),
                "ServiceAccount" => objects.service_accounts.push(typed(file, &document)),
                "ConfigMap" => objects.config_maps.push(typed(file, &document)),
                "NetworkPolicy" => objects.network_policies.push(typed(file, &document)),
                "ExternalSecret" => {
                    assert_eq!(document["apiVersion"], "external-secrets.io/v1");
                    objects.external_secrets.push(typed(file, &document));
                }
                other => panic!("{file}: unexpected kind `{other}`"),
            }
        }
    }
    objects
}

/// Every pod template: (owner name, pod spec, pod labels).
fn pods(objects: &Objects) -> Vec<(String, PodSpec, BTreeMap<String, String>)> {
    let mut pods = Vec::new();
    for cron_job in &objects.cron_jobs {
        let template = cron_job
            .spec
            .as_ref()
            .unwrap()
            .job_template
            .spec
            .as_ref()
            .unwrap()
            .template
            .clone();
        let labels = template
            .metadata
            .unwrap_or_default()
            .labels
            .unwrap_or_default();
        pods.push((
            cron_job.metadata.name.clone().unwrap(),
            template.spec.unwrap(),
            labels,
        ));
    }
    for deployment in &objects.deployments {
        let template = deployment.spec.as_ref().unwrap().template.clone();
        let labels = template
            .metadata
            .unwrap_or_default()
            .labels
            .unwrap_or_default();
        pods.push((
            deployment.metadata.name.clone().unwrap(),
            template.spec.unwrap(),
            labels,
        ));
    }
    pods
}

fn upkeep_container(spec: &PodSpec) -> Option<&Container> {
    spec.containers
        .iter()
        .find(|c| c.image.as_deref() == Some("upkeep"))
}

fn env_value<'a>(container: &'a Container, name: &str) -> Option<&'a str> {
    container
        .env
        .as_ref()?
        .iter()
        .find(|variable| variable.name == name)?
        .value
        .as_deref()
}

#[test]
fn every_pod_runs_non_root_on_a_read_only_root_with_limits() {
    let objects = load();
    let pods = pods(&objects);
    assert_eq!(pods.len(), 3, "CronJob, serve and Redis");
    for (name, spec, _) in &pods {
        let security = spec.security_context.as_ref().unwrap();
        assert_eq!(security.run_as_non_root, Some(true), "{name}");
        assert!(security.run_as_user.is_some_and(|uid| uid != 0), "{name}");
        assert_eq!(spec.automount_service_account_token, Some(false), "{name}");
        let volumes: BTreeMap<String, _> = spec
            .volumes
            .iter()
            .flatten()
            .map(|volume| (volume.name.clone(), volume.clone()))
            .collect();
        for container in &spec.containers {
            let context = container.security_context.as_ref().unwrap();
            assert_eq!(context.read_only_root_filesystem, Some(true), "{name}");
            assert_eq!(context.allow_privilege_escalation, Some(false), "{name}");
            let drop = context.capabilities.as_ref().unwrap().drop.clone().unwrap();
            assert_eq!(drop, ["ALL"], "{name}");
            let resources = container.resources.as_ref().unwrap();
            assert!(
                resources.limits.as_ref().unwrap().contains_key("memory"),
                "{name}"
            );
            assert!(
                resources.requests.as_ref().unwrap().contains_key("memory"),
                "{name}"
            );
            for mount in container.volume_mounts.iter().flatten() {
                assert!(
                    volumes.contains_key(&mount.name),
                    "{name}: no volume `{}`",
                    mount.name
                );
            }
        }
    }
}

#[test]
fn upkeep_writes_only_to_empty_dirs_and_reads_config_and_secrets_that_exist() {
    let objects = load();
    let secret = &objects.external_secrets[0];
    let secret_keys: BTreeSet<&str> = secret
        .spec
        .data
        .iter()
        .map(|d| d.secret_key.as_str())
        .collect();
    let config_map = &objects.config_maps[0];
    for (name, spec, _) in pods(&objects) {
        let Some(container) = upkeep_container(&spec) else {
            continue;
        };
        let volumes = spec.volumes.clone().unwrap();
        let volume = |mount: &str| {
            let name = &container
                .volume_mounts
                .iter()
                .flatten()
                .find(|m| m.mount_path == mount)
                .unwrap_or_else(|| panic!("{name}: nothing mounted at {mount}"))
                .name;
            volumes.iter().find(|v| &v.name == name).unwrap().clone()
        };
        for writable in ["/work", "/cache", "/tmp"] {
            assert!(
                volume(writable).empty_dir.is_some(),
                "{name}: {writable} is not an emptyDir"
            );
        }
        // The config file is a key of the ConfigMap, and a valid bot config.
        let config_path = env_value(container, "UPKEEP_CONFIG_FILE").unwrap();
        let (directory, file) = config_path.rsplit_once('/').unwrap();
        let config_volume = volume(directory).config_map.unwrap();
        assert_eq!(
            config_volume.name,
            config_map.metadata.name.clone().unwrap()
        );
        let text = &config_map.data.as_ref().unwrap()[file];
        let (_, diagnostics) = upkeep_config::GlobalConfig::load(&upkeep_config::GlobalSources {
            file: Some((file.to_owned(), text.clone())),
            ..Default::default()
        });
        assert!(
            diagnostics
                .iter()
                .all(|d| d.severity != upkeep_config::Severity::Error),
            "{name}: {file}: {}",
            upkeep_config::format_diagnostics(&diagnostics)
        );
        // The App key is a file of the synced Secret.
        let key_path = env_value(container, "UPKEEP_GITHUB_APP_KEY").unwrap();
        let (directory, file) = key_path.rsplit_once('/').unwrap();
        let secret_volume = volume(directory).secret.unwrap();
        assert_eq!(
            secret_volume.secret_name.as_deref(),
            Some(secret.spec.target.name.as_str())
        );
        let item = secret_volume
            .items
            .unwrap()
            .into_iter()
            .find(|item| item.path == file)
            .unwrap();
        assert!(
            secret_keys.contains(item.key.as_str()),
            "{name}: `{}` not synced",
            item.key
        );
        // Variables from the Secret name keys it has.
        for variable in container.env.iter().flatten() {
            if let Some(reference) = variable
                .value_from
                .as_ref()
                .and_then(|v| v.secret_key_ref.as_ref())
            {
                assert_eq!(
                    reference.name, secret.spec.target.name,
                    "{name}: {}",
                    variable.name
                );
                assert!(
                    secret_keys.contains(reference.key.as_str()),
                    "{name}: {}",
                    variable.name
                );
            }
        }
    }
}

#[test]
fn containers_use_real_upkeep_flags_and_variables() {
    let objects = load();
    for (name, spec, _) in pods(&objects) {
        let Some(container) = upkeep_container(&spec) else {
            continue;
        };
        let args = container.args.clone().unwrap();
        super::assert_real_flags(&name, &args[0], &args[1..]);
        for variable in container.env.iter().flatten() {
            super::assert_real_env(&name, &variable.name);
        }
        let cache = env_value(container, "UPKEEP_CACHE").unwrap();
        assert!(cache.starts_with("redis://"), "{name}: {cache}");
    }
}

#[test]
fn the_cron_job_is_an_indexed_job_of_shards_that_never_overlaps() {
    let objects = load();
    let cron_job = &objects.cron_jobs[0];
    let spec = cron_job.spec.as_ref().unwrap();
    assert_eq!(spec.concurrency_policy.as_deref(), Some("Forbid"));
    let job = spec.job_template.spec.as_ref().unwrap();
    assert_eq!(job.completion_mode.as_deref(), Some("Indexed"));
    let shards = job.completions.unwrap();
    assert_eq!(job.parallelism, Some(shards));
    let pod = job.template.spec.as_ref().unwrap();
    assert_eq!(pod.restart_policy.as_deref(), Some("Never"));
    let container = upkeep_container(pod).unwrap();
    assert_eq!(
        env_value(container, "UPKEEP_SHARD_COUNT"),
        Some(shards.to_string().as_str())
    );
    let args = container.args.clone().unwrap();
    assert_eq!(args[0], "run");
    assert!(
        args.iter().any(|arg| arg == "--pushgateway"),
        "metrics are pushed at the end"
    );
}

#[test]
fn serve_probes_and_service_point_at_real_routes_and_ports() {
    let objects = load();
    let serve = objects
        .deployments
        .iter()
        .find(|d| d.metadata.name.as_deref() == Some("upkeep-serve"))
        .unwrap();
    let pod = serve.spec.as_ref().unwrap().template.spec.as_ref().unwrap();
    let container = upkeep_container(pod).unwrap();
    let args = container.args.clone().unwrap();
    assert_eq!(args[0], "serve");
    let listen = &args[args.iter().position(|a| a == "--listen").unwrap() + 1];
    let port: i32 = listen.rsplit(':').next().unwrap().parse().unwrap();
    let ports = container.ports.clone().unwrap();
    let named = ports
        .iter()
        .find(|p| p.container_port == port)
        .expect("the --listen port is exposed");
    let port_name = named.name.clone().unwrap();
    for (probe, route) in [
        (&container.liveness_probe, "/healthz"),
        (&container.readiness_probe, "/readyz"),
        (&container.startup_probe, "/healthz"),
    ] {
        let get = probe.as_ref().unwrap().http_get.as_ref().unwrap();
        let path = get.path.as_deref().unwrap();
        assert_eq!(path, route);
        assert!(SERVE_ROUTES.contains(&path));
        assert_eq!(get.port, IntOrString::String(port_name.clone()));
    }
    let service = objects
        .services
        .iter()
        .find(|s| s.metadata.name.as_deref() == Some("upkeep-serve"))
        .unwrap();
    let service_spec = service.spec.as_ref().unwrap();
    let labels = pod_labels(serve);
    for (key, value) in service_spec.selector.as_ref().unwrap() {
        assert_eq!(
            labels.get(key),
            Some(value),
            "the Service selects serve's pods"
        );
    }
    assert_eq!(
        service_spec.ports.as_ref().unwrap()[0].target_port,
        Some(IntOrString::String(port_name))
    );
    let annotations = service.metadata.annotations.clone().unwrap();
    assert!(SERVE_ROUTES.contains(&annotations["prometheus.io/path"].as_str()));
    assert_eq!(annotations["prometheus.io/port"], port.to_string());
}

fn pod_labels(deployment: &Deployment) -> BTreeMap<String, String> {
    deployment
        .spec
        .as_ref()
        .unwrap()
        .template
        .metadata
        .clone()
        .unwrap()
        .labels
        .unwrap()
}

#[test]
fn egress_is_dns_https_redis_and_the_pushgateway_only() {
    let objects = load();
    let policy = objects
        .network_policies
        .iter()
        .find(|p| p.metadata.name.as_deref() == Some("upkeep"))
        .unwrap();
    let spec = policy.spec.as_ref().unwrap();
    let selected = spec
        .pod_selector
        .as_ref()
        .unwrap()
        .match_labels
        .clone()
        .unwrap();
    for (name, _, labels) in pods(&objects)
        .into_iter()
        .filter(|(n, _, _)| n.starts_with("upkeep") && n != "upkeep-redis")
    {
        for (key, value) in &selected {
            assert_eq!(labels.get(key), Some(value), "{name} is under the policy");
        }
    }
    let mut ports: Vec<(i32, String)> = Vec::new();
    for rule in spec.egress.as_ref().unwrap() {
        for port in rule.ports.iter().flatten() {
            let IntOrString::Int(number) = port.port.clone().unwrap() else {
                panic!("numeric ports")
            };
            ports.push((number, port.protocol.clone().unwrap()));
        }
    }
    ports.sort();
    let expected: Vec<(i32, String)> = [
        (53, "TCP"),
        (53, "UDP"),
        (443, "TCP"),
        (6379, "TCP"),
        (9091, "TCP"),
    ]
    .into_iter()
    .map(|(port, protocol)| (port, protocol.to_owned()))
    .collect();
    assert_eq!(ports, expected);
    let service_account = &objects.service_accounts[0];
    assert_eq!(service_account.automount_service_account_token, Some(false));
}
