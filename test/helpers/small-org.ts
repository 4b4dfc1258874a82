// The emulator's own small test organization (emulator/test/fixture.ts), for the tool's tests too.
export { BASE, EXT, readerCredentials, smallScenario } from '../../emulator/test/fixture.js';
