// Load a GLB with three.js's GLTFLoader under node and describe what it built.
//   node load_with_three.mjs FILE.glb
// Prints JSON: {meshes, vertices, triangles, morphTargets, morphTargetNames, materials,
// textures: [{slot, mimeType, width, height, bytes}], morphDeltaSums: {material: [sum per target]}}.
//
// GLTFLoader decodes images with browser APIs (an <img> or createImageBitmap). Under node a
// plugin swaps in a loader that reads the embedded image's bytes back from the blob URL the
// parser made and takes its size from the PNG/JPEG header, so every texture the loader attaches
// to a material is checked to be a real, complete image.
import { readFile } from "node:fs/promises";
import { resolveObjectURL } from "node:buffer";
import * as THREE from "three";
import { GLTFLoader } from "three/examples/jsm/loaders/GLTFLoader.js";

function imageSize(bytes) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (view.getUint32(0) === 0x89504e47) {  // PNG: IHDR holds width, height
        return { mimeType: "image/png", width: view.getUint32(16), height: view.getUint32(20) };
    }
    if (view.getUint16(0) === 0xffd8) {  // JPEG: find a start-of-frame marker
        let at = 2;
        while (at + 9 < bytes.length) {
            const marker = view.getUint16(at);
            const length = view.getUint16(at + 2);
            if (marker >= 0xffc0 && marker <= 0xffc3) {
                return { mimeType: "image/jpeg", width: view.getUint16(at + 7), height: view.getUint16(at + 5) };
            }
            at += 2 + length;
        }
    }
    throw new Error("embedded image is neither PNG nor JPEG");
}

class NodeImageLoader extends THREE.Loader {
    load(url, onLoad, onProgress, onError) {
        const blob = resolveObjectURL(url);
        if (!blob) { onError(new Error(`no image at ${url}`)); return; }
        blob.arrayBuffer().then((buffer) => {
            const bytes = new Uint8Array(buffer);
            const texture = new THREE.Texture();
            texture.userData.image = { ...imageSize(bytes), bytes: bytes.length };
            onLoad(texture);
        }, onError);
    }
}

globalThis.self ??= globalThis;  // GLTFLoader reads self.URL
const data = await readFile(process.argv[2]);
const loader = new GLTFLoader();
loader.register((parser) => {
    parser.textureLoader = new NodeImageLoader();
    return { name: "faceeditor_node_images" };
});
const gltf = await new Promise((resolve, reject) => {
    loader.parse(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength), "",
        resolve, reject);
});

const result = { meshes: 0, vertices: 0, triangles: 0, morphTargets: [], morphTargetNames: [],
                 materials: [], textures: [], morphDeltaSums: {} };
gltf.scene.traverse((object) => {
    if (!object.isMesh) return;
    result.meshes += 1;
    const geometry = object.geometry;
    result.vertices += geometry.attributes.position.count;
    result.triangles += geometry.index.count / 3;
    result.morphTargets.push((geometry.morphAttributes.position ?? []).length);
    result.morphTargetNames = Object.keys(object.morphTargetDictionary ?? {});
    // per material and target: the sum of every delta component, to compare with the file
    const sums = (geometry.morphAttributes.position ?? []).map((attribute) => {
        let total = 0;
        for (let i = 0; i < attribute.array.length; i++) total += attribute.array[i];
        return total;
    });
    const material = object.material;
    result.morphDeltaSums[material.name] = sums;
    result.materials.push(material.name);
    for (const slot of ["map", "normalMap", "roughnessMap", "metalnessMap"]) {
        if (material[slot]) result.textures.push({ material: material.name, slot, ...material[slot].userData.image });
    }
});
process.stdout.write(JSON.stringify(result));
