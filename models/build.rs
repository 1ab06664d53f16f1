fn main() {
    // The migrations are compiled in (refinery::embed_migrations!): a new or changed file rebuilds.
    println!("cargo:rerun-if-changed=../migrations");
}
