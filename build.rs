fn main() {
    // Embedded migrations and templates must rebuild the binary when they change.
    println!("cargo:rerun-if-changed=migrations");
}
