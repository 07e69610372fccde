//! The permission chain's AccessControl contract (ink! 5). It mirrors the C# devnet contract
//! (devnet/Contracts/AccessControl) and must pass the scenarios in chaincode/spec/access_control_*.json:
//! same message names, same rules, same error codes (each `Error` variant is its code in CamelCase), and one
//! event per real change.
#![cfg_attr(not(feature = "std"), no_std, no_main)]

#[ink::contract]
mod access_control {
    use ink::prelude::string::String;
    use ink::prelude::vec::Vec;
    use ink::storage::Mapping;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub enum Role {
        Patient,
        Doctor,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub enum RequestStatus {
        Pending,
        Approved,
        Denied,
    }

    /// The authority that attests doctors (the Identity service's key), set once by `init`.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct RegistrarConfig {
        pub registrar: AccountId,
        pub initialized_at: Timestamp,
    }

    /// An account; the identity document is only ever stored as its hash (the chain is readable by all).
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct User {
        pub account: AccountId,
        pub role: Role,
        pub document_id_hash: Hash,
        pub registered_at: Timestamp,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Attestation {
        pub document_id_hash: Hash,
        pub organization: String,
        pub attested_by: AccountId,
        pub attested_at: Timestamp,
    }

    /// A patient's view permission; `expires_at: None` means until revoked.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Grant {
        pub patient: AccountId,
        pub grantee: AccountId,
        pub granted_at: Timestamp,
        pub expires_at: Option<Timestamp>,
    }

    impl Grant {
        /// Live while the block time is strictly before the expiry.
        fn is_live_at(&self, now: Timestamp) -> bool {
            self.expires_at.map_or(true, |expiry| now < expiry)
        }
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct GranteeView {
        pub grantee: AccountId,
        pub granted_at: Timestamp,
        pub expires_at: Option<Timestamp>,
    }

    /// One request per (patient, doctor), reused when the doctor asks again.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct AccessRequest {
        pub patient: AccountId,
        pub doctor: AccountId,
        pub status: RequestStatus,
        pub requested_at: Timestamp,
        pub decided_at: Option<Timestamp>,
    }

    /// The spec's error codes: each variant is its code in CamelCase (NotPatient = NOT_PATIENT).
    /// `UnknownFunction` is never returned by a message: ink! itself refuses unknown selectors
    /// (LangError::CouldNotReadInput), which clients report as UNKNOWN_FUNCTION.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub enum Error {
        InvalidArgument,
        UnknownFunction,
        NotInitialized,
        AlreadyInitialized,
        NotRegistrar,
        CallerNotRegistered,
        AlreadyRegistered,
        RoleAccountExists,
        DoctorNotAttested,
        RoleChangeNotAllowed,
        UserNotFound,
        NotPatient,
        NotDoctor,
        TargetNotPatient,
        TargetNotDoctor,
        ExpiryNotInFuture,
        AlreadyGranted,
        RequestNotFound,
        RequestNotPending,
    }

    pub type Result<T> = core::result::Result<T, Error>;

    #[ink(event)]
    pub struct Initialized {
        #[ink(topic)]
        registrar: AccountId,
    }

    #[ink(event)]
    pub struct DoctorAttested {
        #[ink(topic)]
        document_id_hash: Hash,
        organization: String,
        attested_by: AccountId,
    }

    #[ink(event)]
    pub struct UserAdded {
        #[ink(topic)]
        account: AccountId,
        role: Role,
        document_id_hash: Hash,
    }

    #[ink(event)]
    pub struct RoleAssigned {
        #[ink(topic)]
        account: AccountId,
        role: Role,
        previous_role: Role,
    }

    #[ink(event)]
    pub struct AccessRequested {
        #[ink(topic)]
        patient: AccountId,
        #[ink(topic)]
        doctor: AccountId,
    }

    #[ink(event)]
    pub struct AccessApproved {
        #[ink(topic)]
        patient: AccountId,
        #[ink(topic)]
        doctor: AccountId,
        expires_at: Option<u64>,
    }

    #[ink(event)]
    pub struct AccessDenied {
        #[ink(topic)]
        patient: AccountId,
        #[ink(topic)]
        doctor: AccountId,
    }

    #[ink(event)]
    pub struct PermissionGranted {
        #[ink(topic)]
        patient: AccountId,
        #[ink(topic)]
        grantee: AccountId,
        expires_at: Option<u64>,
    }

    #[ink(event)]
    pub struct PermissionRevoked {
        #[ink(topic)]
        patient: AccountId,
        #[ink(topic)]
        grantee: AccountId,
        was_live: bool,
    }

    #[ink(storage)]
    pub struct AccessControl {
        registrar: Option<RegistrarConfig>,
        users: Mapping<AccountId, User>,
        /// The one account of each role per identity document.
        role_slots: Mapping<(Hash, Role), AccountId>,
        attestations: Mapping<Hash, Attestation>,
        grants: Mapping<(AccountId, AccountId), Grant>,
        /// Grantees with a stored grant (live or expired), per patient.
        grantees_of: Mapping<AccountId, Vec<AccountId>>,
        requests: Mapping<(AccountId, AccountId), AccessRequest>,
        /// Doctors who asked a patient, and patients a doctor asked: the two sides of `requests`.
        doctors_asking: Mapping<AccountId, Vec<AccountId>>,
        patients_asked: Mapping<AccountId, Vec<AccountId>>,
    }

    impl Default for AccessControl {
        fn default() -> Self {
            Self::new()
        }
    }

    impl AccessControl {
        /// Deploys without a registrar; the deployer calls `init` next (the spec's `init`).
        #[ink(constructor)]
        pub fn new() -> Self {
            Self {
                registrar: None,
                users: Mapping::default(),
                role_slots: Mapping::default(),
                attestations: Mapping::default(),
                grants: Mapping::default(),
                grantees_of: Mapping::default(),
                requests: Mapping::default(),
                doctors_asking: Mapping::default(),
                patients_asked: Mapping::default(),
            }
        }

        /// Deploys and runs `init(registrar)` in one step.
        #[ink(constructor)]
        pub fn with_registrar(registrar: AccountId) -> Self {
            let mut contract = Self::new();
            contract
                .init(registrar)
                .expect("a fresh contract has no registrar yet");
            contract
        }

        #[ink(message)]
        pub fn init(&mut self, registrar: AccountId) -> Result<RegistrarConfig> {
            if self.registrar.is_some() {
                return Err(Error::AlreadyInitialized);
            }
            let config = RegistrarConfig {
                registrar,
                initialized_at: self.now(),
            };
            self.registrar = Some(config.clone());
            self.env().emit_event(Initialized { registrar });
            Ok(config)
        }

        #[ink(message)]
        pub fn get_registrar(&self) -> Option<AccountId> {
            self.registrar.as_ref().map(|config| config.registrar)
        }

        /// The registrar states that a document belongs to a doctor enrolled in `organization`; repeating it changes nothing.
        #[ink(message)]
        pub fn attest_doctor(&mut self, document_id_hash: Hash, organization: String) -> Result<Attestation> {
            if !is_organization_id(&organization) {
                return Err(Error::InvalidArgument);
            }
            let registrar = self.get_registrar().ok_or(Error::NotInitialized)?;
            let caller = self.env().caller();
            if caller != registrar {
                return Err(Error::NotRegistrar);
            }
            if let Some(existing) = self.attestations.get(document_id_hash) {
                if existing.organization == organization {
                    return Ok(existing);
                }
            }
            let attestation = Attestation {
                document_id_hash,
                organization: organization.clone(),
                attested_by: caller,
                attested_at: self.now(),
            };
            self.attestations.insert(document_id_hash, &attestation);
            self.env().emit_event(DoctorAttested {
                document_id_hash,
                organization,
                attested_by: caller,
            });
            Ok(attestation)
        }

        #[ink(message)]
        pub fn get_attestation(&self, document_id_hash: Hash) -> Option<Attestation> {
            self.attestations.get(document_id_hash)
        }

        /// Registers the caller's own account (patient unless `role` says doctor, which needs an attestation).
        #[ink(message)]
        pub fn add_user(&mut self, document_id_hash: Hash, role: Option<Role>) -> Result<User> {
            let role = role.unwrap_or(Role::Patient);
            let caller = self.env().caller();
            if self.users.contains(caller) {
                return Err(Error::AlreadyRegistered);
            }
            if role == Role::Doctor {
                self.require_attestation(document_id_hash)?;
            }
            self.require_free_slot(document_id_hash, role)?;
            let user = User {
                account: caller,
                role,
                document_id_hash,
                registered_at: self.now(),
            };
            self.users.insert(caller, &user);
            self.role_slots.insert((document_id_hash, role), &caller);
            self.env().emit_event(UserAdded {
                account: caller,
                role,
                document_id_hash,
            });
            Ok(user)
        }

        /// Only patient → doctor exists, for an account without grants or requests as a patient.
        #[ink(message)]
        pub fn assign_role(&mut self, role: Role) -> Result<User> {
            let user = self.require_caller()?;
            if user.role == role {
                return Ok(user);
            }
            if role != Role::Doctor {
                return Err(Error::RoleChangeNotAllowed);
            }
            self.require_attestation(user.document_id_hash)?;
            if self.has_patient_footprint(user.account) {
                return Err(Error::RoleChangeNotAllowed);
            }
            self.require_free_slot(user.document_id_hash, role)?;
            let updated = User { role, ..user.clone() };
            self.role_slots.remove((user.document_id_hash, user.role));
            self.role_slots.insert((user.document_id_hash, role), &user.account);
            self.users.insert(user.account, &updated);
            self.env().emit_event(RoleAssigned {
                account: user.account,
                role,
                previous_role: user.role,
            });
            Ok(updated)
        }

        #[ink(message)]
        pub fn user_exists(&self, account: AccountId) -> bool {
            self.users.contains(account)
        }

        #[ink(message)]
        pub fn user_role(&self, account: AccountId) -> Option<Role> {
            self.users.get(account).map(|user| user.role)
        }

        #[ink(message)]
        pub fn get_role(&self) -> Option<Role> {
            self.user_role(self.env().caller())
        }

        #[ink(message)]
        pub fn get_user(&self, account: AccountId) -> Result<User> {
            self.users.get(account).ok_or(Error::UserNotFound)
        }

        #[ink(message)]
        pub fn grant_permission(&mut self, grantee: AccountId, expires_at: Option<Timestamp>) -> Result<Grant> {
            require_positive(expires_at)?;
            let patient = self.require_caller_patient()?;
            let grantee = self.get_user(grantee)?;
            self.grant(patient.account, &grantee, expires_at)
        }

        /// Removes the stored grant, live or expired; false (and no event) when there was none.
        #[ink(message)]
        pub fn revoke_permission(&mut self, grantee: AccountId) -> Result<bool> {
            let patient = self.require_caller_patient()?.account;
            let Some(existing) = self.grants.get((patient, grantee)) else {
                return Ok(false);
            };
            self.grants.remove((patient, grantee));
            let mut grantees = self.grantees_of.get(patient).unwrap_or_default();
            grantees.retain(|account| *account != grantee);
            self.grantees_of.insert(patient, &grantees);
            self.env().emit_event(PermissionRevoked {
                patient,
                grantee,
                was_live: existing.is_live_at(self.now()),
            });
            Ok(true)
        }

        #[ink(message)]
        pub fn has_permission(&self, patient: AccountId, grantee: AccountId) -> bool {
            self.is_live(patient, grantee)
        }

        /// The patient's live grants, ordered by grantee id.
        #[ink(message)]
        pub fn get_grantees(&self, patient: AccountId) -> Vec<GranteeView> {
            let now = self.now();
            let mut grantees = self.grantees_of.get(patient).unwrap_or_default();
            grantees.sort();
            grantees
                .into_iter()
                .filter_map(|grantee| self.grants.get((patient, grantee)))
                .filter(|grant| grant.is_live_at(now))
                .map(|grant| GranteeView {
                    grantee: grant.grantee,
                    granted_at: grant.granted_at,
                    expires_at: grant.expires_at,
                })
                .collect()
        }

        /// A doctor asks to view a patient's records; asking while a request is pending returns it unchanged.
        #[ink(message)]
        pub fn request_access(&mut self, patient: AccountId) -> Result<AccessRequest> {
            let doctor = self.require_caller_doctor()?.account;
            let patient = self.get_user(patient)?;
            if patient.role != Role::Patient {
                return Err(Error::TargetNotPatient);
            }
            if self.is_live(patient.account, doctor) {
                return Err(Error::AlreadyGranted);
            }
            let key = (patient.account, doctor);
            if let Some(existing) = self.requests.get(key) {
                if existing.status == RequestStatus::Pending {
                    return Ok(existing);
                }
            }
            let request = AccessRequest {
                patient: patient.account,
                doctor,
                status: RequestStatus::Pending,
                requested_at: self.now(),
                decided_at: None,
            };
            self.requests.insert(key, &request);
            add_once(&mut self.doctors_asking, patient.account, doctor);
            add_once(&mut self.patients_asked, doctor, patient.account);
            self.env().emit_event(AccessRequested {
                patient: patient.account,
                doctor,
            });
            Ok(request)
        }

        /// The patient approves a pending request: the request is decided and the doctor gets a grant.
        #[ink(message)]
        pub fn approve_access(&mut self, doctor: AccountId, expires_at: Option<Timestamp>) -> Result<AccessRequest> {
            require_positive(expires_at)?;
            let patient = self.require_caller_patient()?.account;
            let pending = self.require_pending(patient, doctor)?;
            self.require_future_expiry(expires_at)?;
            let doctor_user = self.get_user(doctor)?;
            if doctor_user.role != Role::Doctor {
                return Err(Error::TargetNotDoctor);
            }
            let approved = self.decide(pending, RequestStatus::Approved);
            self.env().emit_event(AccessApproved {
                patient,
                doctor,
                expires_at,
            });
            self.grant(patient, &doctor_user, expires_at)?;
            Ok(approved)
        }

        #[ink(message)]
        pub fn deny_access(&mut self, doctor: AccountId) -> Result<AccessRequest> {
            let patient = self.require_caller_patient()?.account;
            let pending = self.require_pending(patient, doctor)?;
            let denied = self.decide(pending, RequestStatus::Denied);
            self.env().emit_event(AccessDenied { patient, doctor });
            Ok(denied)
        }

        /// Requests of exactly one side (a patient's or a doctor's), optionally of one status, by the other party's id.
        #[ink(message)]
        pub fn list_requests(
            &self,
            patient: Option<AccountId>,
            doctor: Option<AccountId>,
            status: Option<RequestStatus>,
        ) -> Result<Vec<AccessRequest>> {
            let found: Vec<AccessRequest> = match (patient, doctor) {
                (Some(patient), None) => {
                    let mut doctors = self.doctors_asking.get(patient).unwrap_or_default();
                    doctors.sort();
                    doctors
                        .into_iter()
                        .filter_map(|doctor| self.requests.get((patient, doctor)))
                        .collect()
                }
                (None, Some(doctor)) => {
                    let mut patients = self.patients_asked.get(doctor).unwrap_or_default();
                    patients.sort();
                    patients
                        .into_iter()
                        .filter_map(|patient| self.requests.get((patient, doctor)))
                        .collect()
                }
                _ => return Err(Error::InvalidArgument),
            };
            Ok(found
                .into_iter()
                .filter(|request| status.map_or(true, |wanted| request.status == wanted))
                .collect())
        }

        fn now(&self) -> Timestamp {
            self.env().block_timestamp()
        }

        fn require_caller(&self) -> Result<User> {
            self.users
                .get(self.env().caller())
                .ok_or(Error::CallerNotRegistered)
        }

        fn require_caller_patient(&self) -> Result<User> {
            let user = self.require_caller()?;
            if user.role == Role::Patient {
                Ok(user)
            } else {
                Err(Error::NotPatient)
            }
        }

        fn require_caller_doctor(&self) -> Result<User> {
            let user = self.require_caller()?;
            if user.role == Role::Doctor {
                Ok(user)
            } else {
                Err(Error::NotDoctor)
            }
        }

        fn require_attestation(&self, document_id_hash: Hash) -> Result<()> {
            if self.attestations.contains(document_id_hash) {
                Ok(())
            } else {
                Err(Error::DoctorNotAttested)
            }
        }

        fn require_free_slot(&self, document_id_hash: Hash, role: Role) -> Result<()> {
            if self.role_slots.contains((document_id_hash, role)) {
                Err(Error::RoleAccountExists)
            } else {
                Ok(())
            }
        }

        fn require_future_expiry(&self, expires_at: Option<Timestamp>) -> Result<()> {
            match expires_at {
                Some(expiry) if expiry <= self.now() => Err(Error::ExpiryNotInFuture),
                _ => Ok(()),
            }
        }

        fn require_pending(&self, patient: AccountId, doctor: AccountId) -> Result<AccessRequest> {
            let request = self
                .requests
                .get((patient, doctor))
                .ok_or(Error::RequestNotFound)?;
            if request.status == RequestStatus::Pending {
                Ok(request)
            } else {
                Err(Error::RequestNotPending)
            }
        }

        fn decide(&mut self, request: AccessRequest, status: RequestStatus) -> AccessRequest {
            let decided = AccessRequest {
                status,
                decided_at: Some(self.now()),
                ..request
            };
            self.requests.insert((decided.patient, decided.doctor), &decided);
            decided
        }

        fn is_live(&self, patient: AccountId, grantee: AccountId) -> bool {
            self.grants
                .get((patient, grantee))
                .is_some_and(|grant| grant.is_live_at(self.now()))
        }

        /// A patient who granted or was asked for anything keeps their account a patient account.
        fn has_patient_footprint(&self, account: AccountId) -> bool {
            !self.grantees_of.get(account).unwrap_or_default().is_empty()
                || !self.doctors_asking.get(account).unwrap_or_default().is_empty()
        }

        /// Grants or re-grants; the identical live grant changes nothing and emits nothing (retries are harmless).
        fn grant(&mut self, patient: AccountId, grantee: &User, expires_at: Option<Timestamp>) -> Result<Grant> {
            if grantee.role != Role::Doctor {
                return Err(Error::TargetNotDoctor);
            }
            self.require_future_expiry(expires_at)?;
            let now = self.now();
            let key = (patient, grantee.account);
            if let Some(existing) = self.grants.get(key) {
                if existing.is_live_at(now) && existing.expires_at == expires_at {
                    return Ok(existing);
                }
            }
            let grant = Grant {
                patient,
                grantee: grantee.account,
                granted_at: now,
                expires_at,
            };
            self.grants.insert(key, &grant);
            add_once(&mut self.grantees_of, patient, grantee.account);
            self.env().emit_event(PermissionGranted {
                patient,
                grantee: grantee.account,
                expires_at,
            });
            Ok(grant)
        }
    }

    fn add_once(index: &mut Mapping<AccountId, Vec<AccountId>>, owner: AccountId, item: AccountId) {
        let mut items = index.get(owner).unwrap_or_default();
        if !items.contains(&item) {
            items.push(item);
            index.insert(owner, &items);
        }
    }

    fn require_positive(timestamp: Option<Timestamp>) -> Result<()> {
        match timestamp {
            Some(0) => Err(Error::InvalidArgument),
            _ => Ok(()),
        }
    }

    /// 1..64 of A-Z a-z 0-9 . _ - (the spec's organisation id shape).
    fn is_organization_id(text: &str) -> bool {
        !text.is_empty()
            && text.len() <= 64
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
    }

    /// Unit tests mirroring chaincode/spec/access_control_*.json (one test per scenario, same names in snake_case).
    /// Off-chain, a failed message does not roll back; the contract checks every rule before it writes, so the
    /// "a failed call changes nothing" steps hold here too.
    #[cfg(test)]
    mod tests {
        use super::*;
        use ink::env::{test, DefaultEnvironment};

        const START: Timestamp = 1_767_225_600_000;

        fn account(n: u8) -> AccountId {
            AccountId::from([n; 32])
        }

        fn document(n: u8) -> Hash {
            Hash::from([n; 32])
        }

        const DEPLOYER: u8 = 1;
        const REGISTRAR: u8 = 2;
        const MALLORY: u8 = 3;
        const ALICE: u8 = 10;
        const BOB: u8 = 11;
        const DRSMITH: u8 = 20;
        const DRJONES: u8 = 21;
        const DOC_ALICE: u8 = 110;
        const DOC_BOB: u8 = 111;
        const DOC_SMITH: u8 = 120;
        const DOC_JONES: u8 = 121;

        struct World {
            contract: AccessControl,
            events_seen: usize,
        }

        impl World {
            fn new() -> Self {
                test::set_block_timestamp::<DefaultEnvironment>(START);
                test::set_caller::<DefaultEnvironment>(account(DEPLOYER));
                let events_seen = test::recorded_events().count();
                Self { contract: AccessControl::new(), events_seen }
            }

            /// The usual start of a permissions or requests scenario: registrar, two doctors, two patients.
            fn populated() -> Self {
                let mut world = Self::new();
                world.as_(DEPLOYER).init(account(REGISTRAR)).unwrap();
                world.as_(REGISTRAR).attest_doctor(document(DOC_SMITH), "HospitalA".into()).unwrap();
                world.as_(REGISTRAR).attest_doctor(document(DOC_JONES), "HospitalB".into()).unwrap();
                world.as_(DRSMITH).add_user(document(DOC_SMITH), Some(Role::Doctor)).unwrap();
                world.as_(DRJONES).add_user(document(DOC_JONES), Some(Role::Doctor)).unwrap();
                world.as_(ALICE).add_user(document(DOC_ALICE), None).unwrap();
                world.as_(BOB).add_user(document(DOC_BOB), None).unwrap();
                world.new_events();
                world
            }

            fn as_(&mut self, caller: u8) -> &mut AccessControl {
                test::set_caller::<DefaultEnvironment>(account(caller));
                &mut self.contract
            }

            fn advance(&mut self, ms: u64) {
                let now = ink::env::block_timestamp::<DefaultEnvironment>();
                test::set_block_timestamp::<DefaultEnvironment>(now + ms);
            }

            /// Names of the events emitted since the last call, identified by their signature topic.
            fn new_events(&mut self) -> Vec<&'static str> {
                let known: [(Option<[u8; 32]>, &'static str); 9] = [
                    (<Initialized as ink::env::Event>::SIGNATURE_TOPIC, "Initialized"),
                    (<DoctorAttested as ink::env::Event>::SIGNATURE_TOPIC, "DoctorAttested"),
                    (<UserAdded as ink::env::Event>::SIGNATURE_TOPIC, "UserAdded"),
                    (<RoleAssigned as ink::env::Event>::SIGNATURE_TOPIC, "RoleAssigned"),
                    (<AccessRequested as ink::env::Event>::SIGNATURE_TOPIC, "AccessRequested"),
                    (<AccessApproved as ink::env::Event>::SIGNATURE_TOPIC, "AccessApproved"),
                    (<AccessDenied as ink::env::Event>::SIGNATURE_TOPIC, "AccessDenied"),
                    (<PermissionGranted as ink::env::Event>::SIGNATURE_TOPIC, "PermissionGranted"),
                    (<PermissionRevoked as ink::env::Event>::SIGNATURE_TOPIC, "PermissionRevoked"),
                ];
                let all: Vec<_> = test::recorded_events().collect();
                let names = all[self.events_seen..]
                    .iter()
                    .map(|event| {
                        known
                            .iter()
                            .find(|(topic, _)| topic.map(|t| t.to_vec()) == event.topics.first().cloned())
                            .map_or("?", |(_, name)| *name)
                    })
                    .collect();
                self.events_seen = all.len();
                names
            }
        }

        // ---- access_control_registration.json

        #[ink::test]
        fn init_sets_the_registrar_exactly_once() {
            let mut w = World::new();
            assert_eq!(w.as_(MALLORY).get_registrar(), None);
            let config = w.as_(DEPLOYER).init(account(REGISTRAR)).unwrap();
            assert_eq!(config, RegistrarConfig { registrar: account(REGISTRAR), initialized_at: START });
            assert_eq!(w.new_events(), ["Initialized"]);
            assert_eq!(w.as_(MALLORY).init(account(MALLORY)), Err(Error::AlreadyInitialized));
            assert_eq!(w.new_events(), Vec::<&str>::new());
            assert_eq!(w.as_(MALLORY).get_registrar(), Some(account(REGISTRAR)));
        }

        #[ink::test]
        fn only_the_registrar_attests_doctors() {
            let mut w = World::new();
            assert_eq!(w.as_(REGISTRAR).attest_doctor(document(DOC_SMITH), "HospitalA".into()), Err(Error::NotInitialized));
            w.as_(DEPLOYER).init(account(REGISTRAR)).unwrap();
            assert_eq!(w.as_(MALLORY).attest_doctor(document(DOC_SMITH), "HospitalA".into()), Err(Error::NotRegistrar));
            w.new_events();
            let attestation = w.as_(REGISTRAR).attest_doctor(document(DOC_SMITH), "HospitalA".into()).unwrap();
            assert_eq!(attestation.attested_by, account(REGISTRAR));
            assert_eq!(w.new_events(), ["DoctorAttested"]);
            assert_eq!(w.as_(REGISTRAR).attest_doctor(document(DOC_SMITH), "HospitalA".into()), Ok(attestation.clone()));
            assert_eq!(w.new_events(), Vec::<&str>::new());
            assert_eq!(w.as_(MALLORY).get_attestation(document(DOC_SMITH)), Some(attestation));
            assert_eq!(w.as_(MALLORY).get_attestation(document(DOC_JONES)), None);
        }

        #[ink::test]
        fn a_new_account_is_a_patient_by_default() {
            let mut w = World::new();
            let user = w.as_(ALICE).add_user(document(DOC_ALICE), None).unwrap();
            assert_eq!(user, User { account: account(ALICE), role: Role::Patient, document_id_hash: document(DOC_ALICE), registered_at: START });
            assert_eq!(w.new_events(), ["UserAdded"]);
            assert!(w.as_(MALLORY).user_exists(account(ALICE)));
            assert_eq!(w.as_(MALLORY).user_role(account(ALICE)), Some(Role::Patient));
            assert_eq!(w.as_(ALICE).get_role(), Some(Role::Patient));
            assert_eq!(w.as_(MALLORY).get_role(), None);
            assert_eq!(w.as_(MALLORY).get_user(account(BOB)), Err(Error::UserNotFound));
        }

        #[ink::test]
        fn an_account_registers_only_once() {
            let mut w = World::new();
            w.as_(ALICE).add_user(document(DOC_ALICE), None).unwrap();
            assert_eq!(w.as_(ALICE).add_user(document(DOC_BOB), None), Err(Error::AlreadyRegistered));
        }

        #[ink::test]
        fn one_patient_account_per_identity_document() {
            let mut w = World::new();
            w.as_(ALICE).add_user(document(DOC_ALICE), None).unwrap();
            assert_eq!(w.as_(MALLORY).add_user(document(DOC_ALICE), Some(Role::Patient)), Err(Error::RoleAccountExists));
            assert!(!w.as_(ALICE).user_exists(account(MALLORY)));
        }

        #[ink::test]
        fn the_doctor_role_needs_the_registrars_attestation_of_the_document() {
            let mut w = World::new();
            w.as_(DEPLOYER).init(account(REGISTRAR)).unwrap();
            assert_eq!(w.as_(DRSMITH).add_user(document(DOC_SMITH), Some(Role::Doctor)), Err(Error::DoctorNotAttested));
            w.as_(REGISTRAR).attest_doctor(document(DOC_SMITH), "HospitalA".into()).unwrap();
            assert_eq!(w.as_(DRSMITH).add_user(document(DOC_SMITH), Some(Role::Doctor)).unwrap().role, Role::Doctor);
        }

        #[ink::test]
        fn one_doctor_account_and_one_patient_account_per_document() {
            let mut w = World::new();
            w.as_(DEPLOYER).init(account(REGISTRAR)).unwrap();
            w.as_(REGISTRAR).attest_doctor(document(DOC_SMITH), "HospitalA".into()).unwrap();
            w.as_(DRSMITH).add_user(document(DOC_SMITH), Some(Role::Doctor)).unwrap();
            w.as_(BOB).add_user(document(DOC_SMITH), None).unwrap();
            assert_eq!(w.as_(MALLORY).add_user(document(DOC_SMITH), Some(Role::Doctor)), Err(Error::RoleAccountExists));
        }

        #[ink::test]
        fn assign_role_turns_a_fresh_patient_account_into_a_doctor_account() {
            let mut w = World::new();
            w.as_(DEPLOYER).init(account(REGISTRAR)).unwrap();
            w.as_(DRSMITH).add_user(document(DOC_SMITH), None).unwrap();
            assert_eq!(w.as_(DRSMITH).assign_role(Role::Doctor), Err(Error::DoctorNotAttested));
            w.as_(REGISTRAR).attest_doctor(document(DOC_SMITH), "HospitalA".into()).unwrap();
            w.new_events();
            assert_eq!(w.as_(DRSMITH).assign_role(Role::Doctor).unwrap().role, Role::Doctor);
            assert_eq!(w.new_events(), ["RoleAssigned"]);
            assert_eq!(w.as_(DRSMITH).assign_role(Role::Doctor).unwrap().role, Role::Doctor);
            assert_eq!(w.new_events(), Vec::<&str>::new());
            // the patient slot was freed: the person may register a separate patient account
            assert!(w.as_(BOB).add_user(document(DOC_SMITH), None).is_ok());
        }

        #[ink::test]
        fn a_doctor_account_never_becomes_a_patient_account() {
            let mut w = World::populated();
            assert_eq!(w.as_(DRSMITH).assign_role(Role::Patient), Err(Error::RoleChangeNotAllowed));
        }

        #[ink::test]
        fn assign_role_refuses_an_account_with_a_patient_footprint() {
            let mut w = World::populated();
            w.as_(REGISTRAR).attest_doctor(document(DOC_ALICE), "HospitalA".into()).unwrap();
            w.as_(ALICE).grant_permission(account(DRSMITH), None).unwrap();
            assert_eq!(w.as_(ALICE).assign_role(Role::Doctor), Err(Error::RoleChangeNotAllowed));
            w.as_(REGISTRAR).attest_doctor(document(DOC_BOB), "HospitalA".into()).unwrap();
            w.as_(DRSMITH).request_access(account(BOB)).unwrap();
            assert_eq!(w.as_(BOB).assign_role(Role::Doctor), Err(Error::RoleChangeNotAllowed));
        }

        #[ink::test]
        fn assign_role_respects_the_documents_doctor_slot() {
            let mut w = World::populated();
            w.as_(MALLORY).add_user(document(DOC_SMITH), None).unwrap();
            assert_eq!(w.as_(MALLORY).assign_role(Role::Doctor), Err(Error::RoleAccountExists));
        }

        #[ink::test]
        fn assign_role_needs_a_registered_caller() {
            let mut w = World::new();
            assert_eq!(w.as_(MALLORY).assign_role(Role::Doctor), Err(Error::CallerNotRegistered));
        }

        // ---- access_control_permissions.json

        #[ink::test]
        fn a_patient_grants_and_revokes_view_permission() {
            let mut w = World::populated();
            assert!(!w.as_(MALLORY).has_permission(account(ALICE), account(DRSMITH)));
            w.advance(1000);
            let grant = w.as_(ALICE).grant_permission(account(DRSMITH), None).unwrap();
            assert_eq!(grant, Grant { patient: account(ALICE), grantee: account(DRSMITH), granted_at: START + 1000, expires_at: None });
            assert_eq!(w.new_events(), ["PermissionGranted"]);
            assert!(w.as_(MALLORY).has_permission(account(ALICE), account(DRSMITH)));
            assert!(!w.as_(MALLORY).has_permission(account(BOB), account(DRSMITH)));
            assert!(!w.as_(MALLORY).has_permission(account(DRSMITH), account(ALICE)));
            assert_eq!(
                w.as_(MALLORY).get_grantees(account(ALICE)),
                [GranteeView { grantee: account(DRSMITH), granted_at: START + 1000, expires_at: None }]
            );
            assert_eq!(w.as_(ALICE).revoke_permission(account(DRSMITH)), Ok(true));
            assert_eq!(w.new_events(), ["PermissionRevoked"]);
            assert!(!w.as_(MALLORY).has_permission(account(ALICE), account(DRSMITH)));
            assert!(w.as_(MALLORY).get_grantees(account(ALICE)).is_empty());
        }

        #[ink::test]
        fn granting_the_same_grant_twice_changes_nothing() {
            let mut w = World::populated();
            let first = w.as_(ALICE).grant_permission(account(DRSMITH), None).unwrap();
            w.new_events();
            w.advance(1000);
            assert_eq!(w.as_(ALICE).grant_permission(account(DRSMITH), None), Ok(first));
            assert_eq!(w.new_events(), Vec::<&str>::new());
            let replaced = w.as_(ALICE).grant_permission(account(DRSMITH), Some(START + 60_000)).unwrap();
            assert_eq!(replaced.granted_at, START + 1000);
            assert_eq!(w.new_events(), ["PermissionGranted"]);
        }

        #[ink::test]
        fn revoking_without_a_grant_returns_false_and_emits_nothing() {
            let mut w = World::populated();
            assert_eq!(w.as_(ALICE).revoke_permission(account(DRSMITH)), Ok(false));
            assert_eq!(w.new_events(), Vec::<&str>::new());
        }

        #[ink::test]
        fn grants_expire_at_expires_at() {
            let mut w = World::populated();
            w.as_(ALICE).grant_permission(account(DRSMITH), Some(START + 60_000)).unwrap();
            w.advance(59_999);
            assert!(w.as_(MALLORY).has_permission(account(ALICE), account(DRSMITH)));
            w.advance(1);
            assert!(!w.as_(MALLORY).has_permission(account(ALICE), account(DRSMITH)));
            assert!(w.as_(MALLORY).get_grantees(account(ALICE)).is_empty());
            w.new_events();
            assert_eq!(w.as_(ALICE).revoke_permission(account(DRSMITH)), Ok(true));
            assert_eq!(w.new_events(), ["PermissionRevoked"]);
        }

        #[ink::test]
        fn an_expiry_must_lie_in_the_future() {
            let mut w = World::populated();
            assert_eq!(w.as_(ALICE).grant_permission(account(DRSMITH), Some(START)), Err(Error::ExpiryNotInFuture));
            assert_eq!(w.as_(ALICE).grant_permission(account(DRSMITH), Some(START - 1)), Err(Error::ExpiryNotInFuture));
            assert!(!w.as_(MALLORY).has_permission(account(ALICE), account(DRSMITH)));
        }

        #[ink::test]
        fn an_expired_grant_is_renewed_by_granting_again() {
            let mut w = World::populated();
            w.as_(ALICE).grant_permission(account(DRSMITH), Some(START + 1000)).unwrap();
            w.advance(2000);
            w.new_events();
            let renewed = w.as_(ALICE).grant_permission(account(DRSMITH), Some(START + 1000 + 60_000)).unwrap();
            assert_eq!(renewed.granted_at, START + 2000);
            assert_eq!(w.new_events(), ["PermissionGranted"]);
            assert!(w.as_(MALLORY).has_permission(account(ALICE), account(DRSMITH)));
        }

        #[ink::test]
        fn only_patients_grant_and_revoke() {
            let mut w = World::populated();
            assert_eq!(w.as_(MALLORY).grant_permission(account(DRSMITH), None), Err(Error::CallerNotRegistered));
            assert_eq!(w.as_(DRJONES).grant_permission(account(DRSMITH), None), Err(Error::NotPatient));
            assert_eq!(w.as_(DRJONES).revoke_permission(account(DRSMITH)), Err(Error::NotPatient));
        }

        #[ink::test]
        fn grants_go_to_registered_doctors_only() {
            let mut w = World::populated();
            assert_eq!(w.as_(ALICE).grant_permission(account(MALLORY), None), Err(Error::UserNotFound));
            assert_eq!(w.as_(ALICE).grant_permission(account(BOB), None), Err(Error::TargetNotDoctor));
        }

        #[ink::test]
        fn get_grantees_lists_one_patients_live_grants() {
            let mut w = World::populated();
            w.as_(ALICE).grant_permission(account(DRJONES), None).unwrap();
            w.as_(ALICE).grant_permission(account(DRSMITH), Some(START + 5000)).unwrap();
            w.as_(BOB).grant_permission(account(DRSMITH), None).unwrap();
            let grantees: Vec<_> = w.as_(MALLORY).get_grantees(account(ALICE)).into_iter().map(|g| g.grantee).collect();
            assert_eq!(grantees, [account(DRSMITH), account(DRJONES)]);
            w.advance(5000);
            let grantees: Vec<_> = w.as_(MALLORY).get_grantees(account(ALICE)).into_iter().map(|g| g.grantee).collect();
            assert_eq!(grantees, [account(DRJONES)]);
        }

        // ---- access_control_requests.json

        #[ink::test]
        fn a_doctor_requests_access_and_the_patient_approves() {
            let mut w = World::populated();
            let request = w.as_(DRSMITH).request_access(account(ALICE)).unwrap();
            assert_eq!(request.status, RequestStatus::Pending);
            assert_eq!(w.new_events(), ["AccessRequested"]);
            w.advance(1000);
            let approved = w.as_(ALICE).approve_access(account(DRSMITH), None).unwrap();
            assert_eq!((approved.status, approved.decided_at), (RequestStatus::Approved, Some(START + 1000)));
            assert_eq!(w.new_events(), ["AccessApproved", "PermissionGranted"]);
            assert!(w.as_(MALLORY).has_permission(account(ALICE), account(DRSMITH)));
        }

        #[ink::test]
        fn an_approvals_expiry_must_lie_in_the_future() {
            let mut w = World::populated();
            w.as_(DRSMITH).request_access(account(ALICE)).unwrap();
            assert_eq!(w.as_(ALICE).approve_access(account(DRSMITH), Some(START)), Err(Error::ExpiryNotInFuture));
            assert_eq!(w.as_(ALICE).approve_access(account(DRSMITH), Some(0)), Err(Error::InvalidArgument));
            assert_eq!(w.as_(MALLORY).list_requests(Some(account(ALICE)), None, None).unwrap()[0].status, RequestStatus::Pending);
        }

        #[ink::test]
        fn the_patient_denies_a_request_and_the_doctor_may_ask_again() {
            let mut w = World::populated();
            w.as_(DRSMITH).request_access(account(ALICE)).unwrap();
            w.new_events();
            assert_eq!(w.as_(ALICE).deny_access(account(DRSMITH)).unwrap().status, RequestStatus::Denied);
            assert_eq!(w.new_events(), ["AccessDenied"]);
            assert_eq!(w.as_(ALICE).deny_access(account(DRSMITH)), Err(Error::RequestNotPending));
            w.advance(1000);
            let again = w.as_(DRSMITH).request_access(account(ALICE)).unwrap();
            assert_eq!((again.status, again.requested_at, again.decided_at), (RequestStatus::Pending, START + 1000, None));
        }

        #[ink::test]
        fn asking_twice_while_pending_changes_nothing() {
            let mut w = World::populated();
            let first = w.as_(DRSMITH).request_access(account(ALICE)).unwrap();
            w.new_events();
            w.advance(1000);
            assert_eq!(w.as_(DRSMITH).request_access(account(ALICE)), Ok(first));
            assert_eq!(w.new_events(), Vec::<&str>::new());
        }

        #[ink::test]
        fn no_request_while_a_live_grant_exists() {
            let mut w = World::populated();
            w.as_(ALICE).grant_permission(account(DRSMITH), None).unwrap();
            assert_eq!(w.as_(DRSMITH).request_access(account(ALICE)), Err(Error::AlreadyGranted));
        }

        #[ink::test]
        fn approving_when_the_same_grant_already_exists_only_decides_the_request() {
            let mut w = World::populated();
            w.as_(ALICE).grant_permission(account(DRSMITH), Some(START + 10_000)).unwrap();
            w.advance(10_000);
            w.as_(DRSMITH).request_access(account(ALICE)).unwrap();
            w.as_(ALICE).grant_permission(account(DRSMITH), None).unwrap();
            w.new_events();
            w.as_(ALICE).approve_access(account(DRSMITH), None).unwrap();
            assert_eq!(w.new_events(), ["AccessApproved"]);
        }

        #[ink::test]
        fn only_doctors_request_and_only_of_patients() {
            let mut w = World::populated();
            assert_eq!(w.as_(MALLORY).request_access(account(ALICE)), Err(Error::CallerNotRegistered));
            assert_eq!(w.as_(BOB).request_access(account(ALICE)), Err(Error::NotDoctor));
            assert_eq!(w.as_(DRSMITH).request_access(account(MALLORY)), Err(Error::UserNotFound));
            assert_eq!(w.as_(DRSMITH).request_access(account(DRJONES)), Err(Error::TargetNotPatient));
        }

        #[ink::test]
        fn only_the_patient_decides_on_their_requests() {
            let mut w = World::populated();
            w.as_(DRSMITH).request_access(account(ALICE)).unwrap();
            assert_eq!(w.as_(BOB).approve_access(account(DRSMITH), None), Err(Error::RequestNotFound));
            assert_eq!(w.as_(DRJONES).deny_access(account(DRSMITH)), Err(Error::NotPatient));
            assert_eq!(w.as_(MALLORY).approve_access(account(DRSMITH), None), Err(Error::CallerNotRegistered));
        }

        #[ink::test]
        fn list_requests_by_patient_by_doctor_and_by_status() {
            let mut w = World::populated();
            w.as_(DRSMITH).request_access(account(ALICE)).unwrap();
            w.as_(DRJONES).request_access(account(ALICE)).unwrap();
            w.as_(DRSMITH).request_access(account(BOB)).unwrap();
            w.as_(ALICE).deny_access(account(DRJONES)).unwrap();
            let of_alice = w.as_(MALLORY).list_requests(Some(account(ALICE)), None, None).unwrap();
            assert_eq!(of_alice.iter().map(|r| r.doctor).collect::<Vec<_>>(), [account(DRSMITH), account(DRJONES)]);
            let of_smith = w.as_(MALLORY).list_requests(None, Some(account(DRSMITH)), None).unwrap();
            assert_eq!(of_smith.iter().map(|r| r.patient).collect::<Vec<_>>(), [account(ALICE), account(BOB)]);
            let denied = w.as_(MALLORY).list_requests(Some(account(ALICE)), None, Some(RequestStatus::Denied)).unwrap();
            assert_eq!(denied.iter().map(|r| r.doctor).collect::<Vec<_>>(), [account(DRJONES)]);
        }

        // ---- access_control_arguments.json (the shapes ink!'s types cannot enforce)

        #[ink::test]
        fn roles_statuses_and_organisations_must_be_known_values() {
            let mut w = World::new();
            w.as_(DEPLOYER).init(account(REGISTRAR)).unwrap();
            assert_eq!(w.as_(REGISTRAR).attest_doctor(document(DOC_SMITH), "".into()), Err(Error::InvalidArgument));
            assert_eq!(w.as_(REGISTRAR).attest_doctor(document(DOC_SMITH), "Hospital A".into()), Err(Error::InvalidArgument));
            assert_eq!(w.as_(REGISTRAR).attest_doctor(document(DOC_SMITH), "H".repeat(65)), Err(Error::InvalidArgument));
            assert!(w.as_(REGISTRAR).attest_doctor(document(DOC_SMITH), "H".repeat(64)).is_ok());
        }

        #[ink::test]
        fn list_requests_needs_exactly_one_side() {
            let mut w = World::populated();
            assert_eq!(w.as_(MALLORY).list_requests(None, None, None), Err(Error::InvalidArgument));
            assert_eq!(w.as_(MALLORY).list_requests(Some(account(ALICE)), Some(account(DRSMITH)), None), Err(Error::InvalidArgument));
        }

        #[ink::test]
        fn expiries_must_be_positive_integers() {
            let mut w = World::populated();
            assert_eq!(w.as_(ALICE).grant_permission(account(DRSMITH), Some(0)), Err(Error::InvalidArgument));
        }

        #[ink::test]
        fn arguments_are_checked_before_any_rule() {
            let mut w = World::new();
            // not initialized and not the registrar, but the organisation is ill-formed: INVALID_ARGUMENT wins
            assert_eq!(w.as_(MALLORY).attest_doctor(document(DOC_SMITH), "bad org".into()), Err(Error::InvalidArgument));
            assert_eq!(w.as_(MALLORY).grant_permission(account(DRSMITH), Some(0)), Err(Error::InvalidArgument));
        }
    }
}
