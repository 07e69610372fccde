#!/usr/bin/env python3
"""Writes access_control.metadata.json: the ink! v5 metadata of lib.rs, made by hand because cargo-contract cannot
run here (no crates.io). Keep it in step with lib.rs: same messages, argument names and types, same events.
Selectors are ink!'s defaults (first 4 bytes of blake2b-256 of the label); event signature topics are blake2b-256
of "Name(FieldType,...)" with the field types as written in lib.rs. A real `cargo contract build --release`
produces the authoritative file; its selectors and argument encodings must equal these."""
import hashlib
import json
import pathlib

types = []
index = {}


def intern(key, type_json):
    if key not in index:
        index[key] = len(types)
        types.append({"id": len(types), "type": type_json})
    return index[key]


def prim(name):
    return intern(name, {"def": {"primitive": name}})


U8 = prim("u8")
BYTES32 = intern("[u8;32]", {"def": {"array": {"len": 32, "type": U8}}})
ACCOUNT = intern("AccountId", {"def": {"composite": {"fields": [{"type": BYTES32, "typeName": "[u8; 32]"}]}},
                               "path": ["ink_primitives", "types", "AccountId"]})
HASH = intern("Hash", {"def": {"composite": {"fields": [{"type": BYTES32, "typeName": "[u8; 32]"}]}},
                       "path": ["ink_primitives", "types", "Hash"]})
U64 = prim("u64")
U128 = prim("u128")
U32 = prim("u32")
STR = prim("str")
BOOL = prim("bool")
UNIT = intern("()", {"def": {"tuple": []}})


def option(inner_key, inner):
    return intern(f"Option<{inner_key}>", {
        "def": {"variant": {"variants": [{"index": 0, "name": "None"},
                                         {"fields": [{"type": inner}], "index": 1, "name": "Some"}]}},
        "params": [{"name": "T", "type": inner}], "path": ["Option"]})


def result(ok_key, ok, err_key, err):
    return intern(f"Result<{ok_key},{err_key}>", {
        "def": {"variant": {"variants": [{"fields": [{"type": ok}], "index": 0, "name": "Ok"},
                                         {"fields": [{"type": err}], "index": 1, "name": "Err"}]}},
        "params": [{"name": "T", "type": ok}, {"name": "E", "type": err}], "path": ["Result"]})


def vec(inner_key, inner):
    return intern(f"Vec<{inner_key}>", {"def": {"sequence": {"type": inner}}})


def enum(name, variants):
    return intern(name, {"def": {"variant": {"variants": [{"index": i, "name": v} for i, v in enumerate(variants)]}},
                         "path": ["access_control", "access_control", name]})


def struct(name, fields):
    return intern(name, {"def": {"composite": {"fields": [{"name": n, "type": t, "typeName": tn} for n, t, tn in fields]}},
                         "path": ["access_control", "access_control", name]})


OPT_U64 = option("u64", U64)
ROLE = enum("Role", ["Patient", "Doctor"])
STATUS = enum("RequestStatus", ["Pending", "Approved", "Denied"])
ERRORS = ["InvalidArgument", "UnknownFunction", "NotInitialized", "AlreadyInitialized", "NotRegistrar",
          "CallerNotRegistered", "AlreadyRegistered", "RoleAccountExists", "DoctorNotAttested", "RoleChangeNotAllowed",
          "UserNotFound", "NotPatient", "NotDoctor", "TargetNotPatient", "TargetNotDoctor", "ExpiryNotInFuture",
          "AlreadyGranted", "RequestNotFound", "RequestNotPending"]
ERROR = enum("Error", ERRORS)
LANG_ERROR = intern("LangError", {"def": {"variant": {"variants": [{"index": 1, "name": "CouldNotReadInput"}]}},
                                  "path": ["ink_primitives", "LangError"]})
REGISTRAR_CONFIG = struct("RegistrarConfig", [("registrar", ACCOUNT, "AccountId"), ("initialized_at", U64, "Timestamp")])
USER = struct("User", [("account", ACCOUNT, "AccountId"), ("role", ROLE, "Role"),
                       ("document_id_hash", HASH, "Hash"), ("registered_at", U64, "Timestamp")])
ATTESTATION = struct("Attestation", [("document_id_hash", HASH, "Hash"), ("organization", STR, "String"),
                                     ("attested_by", ACCOUNT, "AccountId"), ("attested_at", U64, "Timestamp")])
GRANT = struct("Grant", [("patient", ACCOUNT, "AccountId"), ("grantee", ACCOUNT, "AccountId"),
                         ("granted_at", U64, "Timestamp"), ("expires_at", OPT_U64, "Option<Timestamp>")])
GRANTEE_VIEW = struct("GranteeView", [("grantee", ACCOUNT, "AccountId"), ("granted_at", U64, "Timestamp"),
                                      ("expires_at", OPT_U64, "Option<Timestamp>")])
REQUEST = struct("AccessRequest", [("patient", ACCOUNT, "AccountId"), ("doctor", ACCOUNT, "AccountId"),
                                   ("status", STATUS, "RequestStatus"), ("requested_at", U64, "Timestamp"),
                                   ("decided_at", OPT_U64, "Option<Timestamp>")])
NO_CHAIN_EXTENSION = intern("NoChainExtension", {"def": {"variant": {}},
                                                 "path": ["ink_env", "types", "NoChainExtension"]})
STORAGE_ROOT = intern("AccessControl", {"def": {"composite": {}}, "path": ["access_control", "access_control", "AccessControl"]})

SIMPLE = {"AccountId": ACCOUNT, "Hash": HASH, "u64": U64, "String": STR, "bool": BOOL, "Role": ROLE,
          "RequestStatus": STATUS, "RegistrarConfig": REGISTRAR_CONFIG, "User": USER, "Attestation": ATTESTATION,
          "Grant": GRANT, "GranteeView": GRANTEE_VIEW, "AccessRequest": REQUEST, "()": UNIT}


def type_of(name):
    """A Rust type as written in lib.rs (with Timestamp = u64) → type id."""
    name = name.replace("Timestamp", "u64")
    if name in SIMPLE:
        return SIMPLE[name]
    if name.startswith("Option<"):
        inner = name[7:-1]
        return option(inner, type_of(inner))
    if name.startswith("Vec<"):
        inner = name[4:-1]
        return vec(inner, type_of(inner))
    if name.startswith("Result<"):
        inner = name[7:-1]
        return result(inner, type_of(inner), "Error", ERROR)
    raise ValueError(name)


def type_spec(name, display=None):
    return {"displayName": display or [name.split("<")[0]], "type": type_of(name)}


def blake2_256(text):
    return hashlib.blake2b(text.encode(), digest_size=32).digest()


def selector(label):
    return "0x" + blake2_256(label)[:4].hex()


# (label, mutates, [(arg, type)], return type as written in lib.rs)
MESSAGES = [
    ("init", True, [("registrar", "AccountId")], "Result<RegistrarConfig>"),
    ("get_registrar", False, [], "Option<AccountId>"),
    ("attest_doctor", True, [("document_id_hash", "Hash"), ("organization", "String")], "Result<Attestation>"),
    ("get_attestation", False, [("document_id_hash", "Hash")], "Option<Attestation>"),
    ("add_user", True, [("document_id_hash", "Hash"), ("role", "Option<Role>")], "Result<User>"),
    ("assign_role", True, [("role", "Role")], "Result<User>"),
    ("user_exists", False, [("account", "AccountId")], "bool"),
    ("user_role", False, [("account", "AccountId")], "Option<Role>"),
    ("get_role", False, [], "Option<Role>"),
    ("get_user", False, [("account", "AccountId")], "Result<User>"),
    ("grant_permission", True, [("grantee", "AccountId"), ("expires_at", "Option<Timestamp>")], "Result<Grant>"),
    ("revoke_permission", True, [("grantee", "AccountId")], "Result<bool>"),
    ("has_permission", False, [("patient", "AccountId"), ("grantee", "AccountId")], "bool"),
    ("get_grantees", False, [("patient", "AccountId")], "Vec<GranteeView>"),
    ("request_access", True, [("patient", "AccountId")], "Result<AccessRequest>"),
    ("approve_access", True, [("doctor", "AccountId"), ("expires_at", "Option<Timestamp>")], "Result<AccessRequest>"),
    ("deny_access", True, [("doctor", "AccountId")], "Result<AccessRequest>"),
    ("list_requests", False, [("patient", "Option<AccountId>"), ("doctor", "Option<AccountId>"),
                              ("status", "Option<RequestStatus>")], "Result<Vec<AccessRequest>>"),
]

# (label, [(field, type as written in lib.rs, indexed)])
EVENTS = [
    ("Initialized", [("registrar", "AccountId", True)]),
    ("DoctorAttested", [("document_id_hash", "Hash", True), ("organization", "String", False), ("attested_by", "AccountId", False)]),
    ("UserAdded", [("account", "AccountId", True), ("role", "Role", False), ("document_id_hash", "Hash", False)]),
    ("RoleAssigned", [("account", "AccountId", True), ("role", "Role", False), ("previous_role", "Role", False)]),
    ("AccessRequested", [("patient", "AccountId", True), ("doctor", "AccountId", True)]),
    ("AccessApproved", [("patient", "AccountId", True), ("doctor", "AccountId", True), ("expires_at", "Option<u64>", False)]),
    ("AccessDenied", [("patient", "AccountId", True), ("doctor", "AccountId", True)]),
    ("PermissionGranted", [("patient", "AccountId", True), ("grantee", "AccountId", True), ("expires_at", "Option<u64>", False)]),
    ("PermissionRevoked", [("patient", "AccountId", True), ("grantee", "AccountId", True), ("was_live", "bool", False)]),
]


def message_result(return_type):
    inner = type_of(return_type)
    key = return_type.replace("Timestamp", "u64")
    return {"displayName": ["ink", "MessageResult"], "type": result(key if not key.startswith("Result<") else key + ",Error", inner, "LangError", LANG_ERROR)}


def main():
    constructor_result = {"displayName": ["ink_primitives", "ConstructorResult"], "type": result("()", UNIT, "LangError", LANG_ERROR)}
    spec = {
        "constructors": [
            {"args": [], "default": False, "docs": ["Deploys without a registrar; the deployer calls `init` next."],
             "label": "new", "payable": False, "returnType": constructor_result, "selector": selector("new")},
            {"args": [{"label": "registrar", "type": type_spec("AccountId")}], "default": False,
             "docs": ["Deploys and runs `init(registrar)` in one step."], "label": "with_registrar", "payable": False,
             "returnType": constructor_result, "selector": selector("with_registrar")},
        ],
        "docs": [],
        "environment": {
            "accountId": {"displayName": ["AccountId"], "type": ACCOUNT},
            "balance": {"displayName": ["Balance"], "type": U128},
            "blockNumber": {"displayName": ["BlockNumber"], "type": U32},
            "chainExtension": {"displayName": ["ChainExtension"], "type": NO_CHAIN_EXTENSION},
            "hash": {"displayName": ["Hash"], "type": HASH},
            "maxEventTopics": 4,
            "staticBufferSize": 16384,
            "timestamp": {"displayName": ["Timestamp"], "type": U64},
        },
        "events": [
            {"args": [{"docs": [], "indexed": indexed, "label": field, "type": type_spec(ty)} for field, ty, indexed in fields],
             "docs": [], "label": label, "module_path": "access_control::access_control",
             "signature_topic": "0x" + blake2_256(f"{label}({','.join(ty for _, ty, _ in fields)})").hex()}
            for label, fields in EVENTS
        ],
        "lang_error": {"displayName": ["ink", "LangError"], "type": LANG_ERROR},
        "messages": [
            {"args": [{"label": arg, "type": type_spec(ty)} for arg, ty in args], "default": False, "docs": [],
             "label": label, "mutates": mutates, "payable": False, "returnType": message_result(ret),
             "selector": selector(label)}
            for label, mutates, args, ret in MESSAGES
        ],
    }
    metadata = {
        "contract": {"authors": ["HybridEhr"], "name": "access_control", "version": "0.1.0"},
        "image": None,
        "source": {"build_info": {"note": "hand-made by chaincode/ink/make_metadata.py; see README.md"},
                   "compiler": "rustc", "hash": "0x" + "00" * 32, "language": "ink! 5.1.0"},
        "spec": spec,
        "storage": {"root": {"layout": {"struct": {"fields": [], "name": "AccessControl"}}, "root_key": "0x00000000", "ty": STORAGE_ROOT}},
        "types": types,
        "version": 5,
    }
    path = pathlib.Path(__file__).with_name("access_control.metadata.json")
    path.write_text(json.dumps(metadata, indent=2) + "\n")


main()
