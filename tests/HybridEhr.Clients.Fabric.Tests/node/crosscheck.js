'use strict';
// Offline cross-checks of the C# Fabric Gateway client against the official Node client and protos.
// Usage: node crosscheck.js <command> <input.json>; prints one JSON object on stdout.
//   decode-proposal     {proposedTransaction (base64 gateway.ProposedTransaction)}
//   decode-transaction  {preparedTransaction (base64 gateway.PreparedTransaction)}
//   decode-signed-request {kind ('commit-status'|'chaincode-events'), request, signature (base64)}
//   encode-responses    {} → every gateway response we decode, built by the official encoder with each field set
//   build-proposal      {mspId, certificatePem, privateKeyPem, channel, chaincode, contract?, transaction, arguments[], transient{}, endorsingOrganizations[]}
// Binary values travel as base64.

const crypto = require('node:crypto');
const fs = require('node:fs');
const grpc = require('@grpc/grpc-js');
const { connect } = require('@hyperledger/fabric-gateway');
const { common, gateway, msp, peer } = require('@hyperledger/fabric-protos');
const { p256 } = require('@noble/curves/p256');

const b64 = (bytes) => Buffer.from(bytes).toString('base64');
const fromB64 = (text) => new Uint8Array(Buffer.from(text, 'base64'));

const p256Order = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

function describeSignature(message, signature, certificatePem) {
    const verifies = crypto.verify('sha256', message, { key: crypto.createPublicKey(certificatePem), dsaEncoding: 'der' }, signature);
    const parsed = p256.Signature.fromDER(Buffer.from(signature).toString('hex'));
    return { verifies, lowS: parsed.s <= p256Order / 2n };
}

function describeHeader(header) {
    const channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
    const signatureHeader = common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8());
    const creator = msp.SerializedIdentity.deserializeBinary(signatureHeader.getCreator_asU8());
    const extension = peer.ChaincodeHeaderExtension.deserializeBinary(channelHeader.getExtension_asU8());
    const nonce = signatureHeader.getNonce_asU8();
    return {
        type: channelHeader.getType(),
        transactionId: channelHeader.getTxId(),
        channel: channelHeader.getChannelId(),
        epoch: channelHeader.getEpoch(),
        timestampSeconds: channelHeader.getTimestamp().getSeconds(),
        chaincodeInExtension: extension.getChaincodeId().getName(),
        creatorMspId: creator.getMspid(),
        creatorCertificatePem: Buffer.from(creator.getIdBytes_asU8()).toString('utf8'),
        nonceLength: nonce.length,
        // What peers recompute: hex SHA-256 of nonce ‖ serialized creator.
        computedTransactionId: crypto.createHash('sha256').update(nonce).update(signatureHeader.getCreator_asU8()).digest('hex'),
    };
}

function decodeProposal(input) {
    const proposed = gateway.ProposedTransaction.deserializeBinary(fromB64(input.proposedTransaction));
    const signed = proposed.getProposal();
    const proposalBytes = signed.getProposalBytes_asU8();
    const proposal = peer.Proposal.deserializeBinary(proposalBytes);
    const header = describeHeader(common.Header.deserializeBinary(proposal.getHeader_asU8()));
    const payload = peer.ChaincodeProposalPayload.deserializeBinary(proposal.getPayload_asU8());
    const spec = peer.ChaincodeInvocationSpec.deserializeBinary(payload.getInput_asU8()).getChaincodeSpec();
    const transient = {};
    payload.getTransientmapMap().forEach((value, key) => {
        transient[key] = typeof value === 'string' ? value : b64(value);
    });
    return {
        transactionId: proposed.getTransactionId(),
        endorsingOrganizations: proposed.getEndorsingOrganizationsList(),
        header,
        chaincodeSpecType: spec.getType(),
        chaincode: spec.getChaincodeId().getName(),
        arguments: spec.getInput().getArgsList_asU8().map((arg) => Buffer.from(arg).toString('utf8')),
        transient,
        signature: describeSignature(proposalBytes, signed.getSignature_asU8(), header.creatorCertificatePem),
        digest: b64(crypto.createHash('sha256').update(proposalBytes).digest()),
    };
}

function decodeTransaction(input) {
    const prepared = gateway.PreparedTransaction.deserializeBinary(fromB64(input.preparedTransaction));
    const envelope = prepared.getEnvelope();
    const payloadBytes = envelope.getPayload_asU8();
    const payload = common.Payload.deserializeBinary(payloadBytes);
    const header = describeHeader(payload.getHeader());
    const transaction = peer.Transaction.deserializeBinary(payload.getData_asU8());
    const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(transaction.getActionsList()[0].getPayload_asU8());
    const responsePayload = peer.ProposalResponsePayload.deserializeBinary(actionPayload.getAction().getProposalResponsePayload_asU8());
    const chaincodeAction = peer.ChaincodeAction.deserializeBinary(responsePayload.getExtension_asU8());
    return {
        transactionId: prepared.getTransactionId(),
        header,
        resultInEnvelope: Buffer.from(chaincodeAction.getResponse().getPayload_asU8()).toString('utf8'),
        signature: describeSignature(payloadBytes, envelope.getSignature_asU8(), header.creatorCertificatePem),
    };
}

/** A signed CommitStatusRequest or ChaincodeEventsRequest: fields, and the signature checked with the identity in it. */
function decodeSignedRequest(input) {
    const requestBytes = fromB64(input.request);
    let fields;
    let identityBytes;
    if (input.kind === 'commit-status') {
        const request = gateway.CommitStatusRequest.deserializeBinary(requestBytes);
        identityBytes = request.getIdentity_asU8();
        fields = { transactionId: request.getTransactionId(), channel: request.getChannelId() };
    } else {
        const request = gateway.ChaincodeEventsRequest.deserializeBinary(requestBytes);
        identityBytes = request.getIdentity_asU8();
        const start = request.getStartPosition();
        fields = {
            channel: request.getChannelId(),
            chaincode: request.getChaincodeId(),
            afterTransactionId: request.getAfterTransactionId(),
            start: start === undefined ? 'unset'
                : start.hasNextCommit() ? 'next-commit'
                : start.hasSpecified() ? `block ${start.getSpecified().getNumber()}`
                : start.hasNewest() ? 'newest' : start.hasOldest() ? 'oldest' : 'unset',
        };
    }
    const identity = msp.SerializedIdentity.deserializeBinary(identityBytes);
    const certificatePem = Buffer.from(identity.getIdBytes_asU8()).toString('utf8');
    return {
        ...fields,
        mspId: identity.getMspid(),
        certificatePem,
        signature: describeSignature(requestBytes, fromB64(input.signature), certificatePem),
    };
}

/** The official client, offline: builds a proposal, signs its digest outside the gateway, as a remote signer would. */
function buildProposal(input) {
    const client = new grpc.Client('127.0.0.1:1', grpc.credentials.createInsecure());
    const officialGateway = connect({
        client,
        identity: { mspId: input.mspId, credentials: Buffer.from(input.certificatePem) },
    });
    try {
        const contract = officialGateway.getNetwork(input.channel).getContract(input.chaincode, input.contract);
        const transient = Object.fromEntries(Object.entries(input.transient).map(([key, value]) => [key, fromB64(value)]));
        const unsigned = contract.newProposal(input.transaction, {
            arguments: input.arguments,
            transientData: transient,
            endorsingOrganizations: input.endorsingOrganizations,
        });
        // Node's crypto hashes as it signs, so sign the proposal bytes whose SHA-256 is getDigest().
        const key = crypto.createPrivateKey(input.privateKeyPem);
        const proposalBytes = gateway.ProposedTransaction.deserializeBinary(unsigned.getBytes()).getProposal().getProposalBytes_asU8();
        const proposalSignature = crypto.sign('sha256', proposalBytes, { key, dsaEncoding: 'der' });
        const signed = officialGateway.newSignedProposal(unsigned.getBytes(), proposalSignature);
        return {
            transactionId: signed.getTransactionId(),
            digest: b64(unsigned.getDigest()),
            proposedTransaction: b64(signed.getBytes()),
            signature: b64(proposalSignature),
        };
    } finally {
        officialGateway.close();
        client.close();
    }
}

const bytesOf = (text) => new Uint8Array(Buffer.from(text, 'utf8'));

/** An endorsed envelope as peers build it: payload → transaction → action → proposal response → chaincode action. */
function endorsedEnvelope(expected) {
    const response = new peer.Response();
    response.setStatus(expected.chaincodeStatus);
    response.setMessage(expected.chaincodeMessage);
    response.setPayload(bytesOf(expected.chaincodeResult));
    const chaincodeEvent = new peer.ChaincodeEvent();
    chaincodeEvent.setChaincodeId(expected.chaincode);
    chaincodeEvent.setTxId(expected.transactionId);
    chaincodeEvent.setEventName(expected.eventName);
    chaincodeEvent.setPayload(bytesOf(expected.eventPayload));
    const chaincodeAction = new peer.ChaincodeAction();
    chaincodeAction.setResults(bytesOf('rwset'));
    chaincodeAction.setEvents(chaincodeEvent.serializeBinary());
    chaincodeAction.setResponse(response);
    const responsePayload = new peer.ProposalResponsePayload();
    responsePayload.setProposalHash(bytesOf('proposal-hash'));
    responsePayload.setExtension$(chaincodeAction.serializeBinary());
    const endorsement = new peer.Endorsement();
    endorsement.setEndorser(bytesOf('endorser'));
    endorsement.setSignature(bytesOf('endorsement-signature'));
    const endorsedAction = new peer.ChaincodeEndorsedAction();
    endorsedAction.setProposalResponsePayload(responsePayload.serializeBinary());
    endorsedAction.setEndorsementsList([endorsement]);
    const actionPayload = new peer.ChaincodeActionPayload();
    actionPayload.setChaincodeProposalPayload(bytesOf('proposal-payload'));
    actionPayload.setAction(endorsedAction);
    const action = new peer.TransactionAction();
    action.setHeader(bytesOf('signature-header'));
    action.setPayload(actionPayload.serializeBinary());
    const transaction = new peer.Transaction();
    transaction.setActionsList([action]);
    const channelHeader = new common.ChannelHeader();
    channelHeader.setType(common.HeaderType.ENDORSER_TRANSACTION);
    channelHeader.setChannelId(expected.channel);
    channelHeader.setTxId(expected.transactionId);
    const header = new common.Header();
    header.setChannelHeader(channelHeader.serializeBinary());
    header.setSignatureHeader(bytesOf('signature-header'));
    const payload = new common.Payload();
    payload.setHeader(header);
    payload.setData(transaction.serializeBinary());
    const envelope = new common.Envelope();
    envelope.setPayload(payload.serializeBinary());
    return envelope;
}

/** Each response message of the gateway service, encoded by the official protos, and the values put in it. */
function encodeResponses() {
    const expected = {
        transactionId: 'a1b2c3', channel: 'ehr', chaincode: 'records', chaincodeStatus: 200, chaincodeMessage: 'done',
        chaincodeResult: '{"record_id":"r-1"}', eventName: 'RecordCreated', eventPayload: '{"record_id":"r-1"}',
        validationCode: peer.TxValidationCode.MVCC_READ_CONFLICT, blockNumber: 4294967301,
        errorAddress: '127.0.0.1:9051', errorMspId: 'Org2MSP', errorMessage: 'chaincode response 500',
    };
    const endorse = new gateway.EndorseResponse();
    endorse.setPreparedTransaction(endorsedEnvelope(expected));

    const evaluateResult = new peer.Response();
    evaluateResult.setStatus(expected.chaincodeStatus);
    evaluateResult.setMessage(expected.chaincodeMessage);
    evaluateResult.setPayload(bytesOf(expected.chaincodeResult));
    const evaluate = new gateway.EvaluateResponse();
    evaluate.setResult(evaluateResult);

    const commitStatus = new gateway.CommitStatusResponse();
    commitStatus.setResult(expected.validationCode);
    commitStatus.setBlockNumber(expected.blockNumber);

    const event = new peer.ChaincodeEvent();
    event.setChaincodeId(expected.chaincode);
    event.setTxId(expected.transactionId);
    event.setEventName(expected.eventName);
    event.setPayload(bytesOf(expected.eventPayload));
    const events = new gateway.ChaincodeEventsResponse();
    events.setEventsList([event, event]);
    events.setBlockNumber(expected.blockNumber);

    const errorDetail = new gateway.ErrorDetail();
    errorDetail.setAddress(expected.errorAddress);
    errorDetail.setMspId(expected.errorMspId);
    errorDetail.setMessage(expected.errorMessage);

    return {
        expected,
        endorse: b64(endorse.serializeBinary()),
        submit: b64(new gateway.SubmitResponse().serializeBinary()),
        evaluate: b64(evaluate.serializeBinary()),
        commitStatus: b64(commitStatus.serializeBinary()),
        chaincodeEvents: b64(events.serializeBinary()),
        errorDetail: b64(errorDetail.serializeBinary()),
    };
}

const commands = {
    'encode-responses': encodeResponses,
    'decode-proposal': decodeProposal,
    'decode-transaction': decodeTransaction,
    'decode-signed-request': decodeSignedRequest,
    'build-proposal': buildProposal,
};
const [command, inputPath] = process.argv.slice(2);
if (!commands[command] || !inputPath) {
    console.error(`usage: node crosscheck.js <${Object.keys(commands).join('|')}> <input.json>`);
    process.exit(2);
}
process.stdout.write(JSON.stringify(commands[command](JSON.parse(fs.readFileSync(inputPath, 'utf8')))));
