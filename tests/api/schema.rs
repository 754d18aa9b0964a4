//! `schema.graphql` is exactly what `casebridge schema` prints.

#[test]
fn schema_file_matches_the_served_schema() {
    let printed = casebridge::graphql::sdl();
    let file = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).expect("schema.graphql");
    assert!(printed == file, "schema.graphql is stale: run `cargo run -- schema > schema.graphql` and review the diff");
}
