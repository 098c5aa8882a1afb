/**
 * FROM chains of images: which base each image was built on, and the evidence for each link
 * (build records, OCI base annotations, layer prefixes of known images).
 */
export { resolveChain, type Chain, type ChainContext, type ChainEnd, type ChainInput, type ChainLink, type LinkEvidence } from './resolve.js';
export { factsOfKnown, factsOfOpened, loadImageFacts, type ImageFacts } from './facts.js';
export { refreshTrustedBases, type RefreshResult } from './known.js';
export { inspectEngineImage, listEngineContainers, type EngineContainer, type EngineRequestOptions } from './engine.js';
export { confirmTrustedBase, confirmedDigests, type IdentityClaim } from './confirm.js';
