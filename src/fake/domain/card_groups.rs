//! Card groups: create, get, update. A group's fields are the parameters of
//! `cards/groups/create` (less authentication, `customer` and `validation`), kept by name, so
//! the spec alone decides what a group holds and what `cards/groups/get` shows.

use std::collections::BTreeMap;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::json;

use crate::fake::input::Input;
use crate::fake::mutant::{self, Mutant};
use crate::fake::response::{ApiResponse, data};
use crate::fake::world::{CardGroup, CustomerId, World};
use crate::spec::value::Value;
use crate::spec::{Field, Function, Param};

/// Parameters of `cards/groups/create` that say how to create a group, not what it holds.
const NOT_FIELDS: [&str; 4] = ["auth_username", "auth_password", "customer", "validation"];

/// Whether a parameter of `cards/groups/create` is a field of the group.
pub(crate) fn is_field(param: &Param) -> bool {
    !NOT_FIELDS.contains(&param.name.as_str())
}

/// The fields of a new group: every field parameter with its effective value.
pub(crate) fn fields_from(create: &Function, input: &Input) -> BTreeMap<String, Value> {
    create
        .parameters
        .iter()
        .filter(|p| is_field(p))
        .filter_map(|p| Some((p.name.clone(), input.value(&p.name)?.clone())))
        .collect()
}

/// `cards/groups/create`: 200 with the new group's id.
pub(crate) fn create(world: &mut World, input: &Input, create: &Function) -> ApiResponse {
    let id = world.next_group_id();
    let customer = CustomerId(input.integer("customer"));
    let fields = fields_from(create, input);
    world.insert_group(CardGroup::new(id, customer, fields));
    ApiResponse::ok(Some(data(&json!({ "id": id }))))
}

/// `cards/groups/get`: every field the spec's data section lists, in its order.
pub(crate) fn get(world: &World, input: &Input, function: &Function) -> ApiResponse {
    let group = &world.card_groups()[&input.group.expect("the id was checked to name a group")];
    let shown = group.shown(|group| {
        data(&GroupView {
            group,
            fields: &function.data.fields,
        })
    });
    ApiResponse::ok(Some(shown.to_string()))
}

/// A group as `cards/groups/get` shows it, serialized straight from the stored values.
struct GroupView<'a> {
    group: &'a CardGroup,
    fields: &'a [Field],
}

impl Serialize for GroupView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.fields.len()))?;
        for field in self.fields {
            match field.name.as_str() {
                "id" => map.serialize_entry("id", &self.group.id)?,
                "customer" => map.serialize_entry("customer", &self.group.customer)?,
                name => map.serialize_entry(name, &self.group.field(name))?,
            }
        }
        map.end()
    }
}

/// `cards/groups/update`: the given fields change, the rest keep their current value. 204.
pub(crate) fn update(world: &mut World, input: &Input, mutant: Option<Mutant>) -> ApiResponse {
    let id = input.group.expect("the id was checked to name a group");
    let group = world.group_mut(id).expect("a checked group exists");
    for name in input
        .given()
        .iter()
        .filter(|n| !matches!(**n, "id" | "validation"))
        .filter(|n| !(**n == "card_length" && mutant::is(mutant, Mutant::GroupFieldNotUpdated)))
    {
        let value = input
            .value(name)
            .expect("a given parameter has a value")
            .clone();
        group.set_field(name, value);
    }
    if mutant::is(mutant, Mutant::CurrentValueReset) && !input.is_given("description") {
        group.set_field("description", Value::String(String::new()));
    }
    ApiResponse::ok(None)
}
