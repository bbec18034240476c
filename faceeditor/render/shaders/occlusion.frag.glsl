#version 330 core
// Ambient-occlusion gather: one fragment per vertex (texel (i % width, i / width) of the
// vertex textures), testing the vertex against every depth map of the bake's atlas.

uniform sampler2D u_depth_atlas;  // the bake's depth maps, tile k at (k % columns, k / columns)
uniform sampler2D u_positions;    // world position per vertex
uniform sampler2D u_normals;      // unit world normal per vertex
uniform sampler2D u_views;        // row k: three rows of direction k's world -> clip matrix,
                                  // then the direction (toward the sky)
uniform int u_count;              // directions
uniform int u_columns;            // tiles per atlas row
uniform int u_resolution;         // texels a tile side
uniform float u_normal_offset;    // metres the vertex is pushed out along its normal
uniform float u_depth_epsilon;    // depth units a vertex may lie behind the stored depth

out float out_occlusion;

void main() {
    ivec2 texel = ivec2(gl_FragCoord.xy);
    vec3 normal = texelFetch(u_normals, texel, 0).xyz;
    vec4 position = vec4(texelFetch(u_positions, texel, 0).xyz + normal * u_normal_offset, 1.0);
    float seen = 0.0;
    float total = 0.0;
    for (int k = 0; k < u_count; ++k) {
        float weight = max(dot(normal, texelFetch(u_views, ivec2(3, k), 0).xyz), 0.0);
        if (weight <= 0.0) {
            continue;  // below the vertex's horizon: no share of its sky
        }
        vec3 ndc = vec3(dot(texelFetch(u_views, ivec2(0, k), 0), position),
                        dot(texelFetch(u_views, ivec2(1, k), 0), position),
                        dot(texelFetch(u_views, ivec2(2, k), 0), position));
        ivec2 pixel = clamp(ivec2((ndc.xy + 1.0) * (0.5 * float(u_resolution))),
                            ivec2(0), ivec2(u_resolution - 1));
        ivec2 tile = ivec2(k % u_columns, k / u_columns) * u_resolution;
        float stored = texelFetch(u_depth_atlas, tile + pixel, 0).r;
        if (ndc.z * 0.5 + 0.5 <= stored + u_depth_epsilon) {
            seen += weight;
        }
        total += weight;
    }
    out_occlusion = seen / max(total, 1e-9);
}
