use dunder::prelude::*;
use dunder::{ForeignKey, ManyToMany, Model, OneToOne, Reverse};

#[derive(Model)]
pub struct Person {
    pub id: i64,
    pub name: String,
    // `Pet.owner` points at Person: declared as Reverse, but it is a OneToOne.
    #[dunder(related = owner)]
    pub pets: Reverse<crate::Pet>,
}

#[derive(Model)]
pub struct Vet {
    pub id: i64,
    // `Pet.owner` points at Person, not at Vet.
    #[dunder(related = owner)]
    pub patients: Reverse<crate::Pet>,
    // `Pet.name` is not a relation.
    #[dunder(related = name)]
    pub named: Reverse<crate::Pet>,
}

#[derive(Model)]
pub struct Pet {
    pub id: i64,
    pub name: String,
    pub owner: OneToOne<crate::Person>,
    #[dunder(through = crate::Visit)]
    pub vets: ManyToMany<crate::Vet>,
}

// A through model with no key to Pet.
#[derive(Model)]
pub struct Visit {
    pub id: i64,
    pub vet: ForeignKey<crate::Vet>,
}

fn main() {
    let _q = query!(Person.filter(pets__name = "Rex"));
    let _q = query!(Vet.filter(patients__name = "Rex"));
    let _q = query!(Vet.filter(named__name = "Rex"));
    let _q = query!(Pet.filter(vets__name = "Rex"));
}
